import assert from "node:assert/strict";
import { hash } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fromJsonString } from "@bufbuild/protobuf";
import { LocalEmbedder, loadPairs, score } from "@switchyard/cache";
import { SemanticCacheSchema } from "@switchyard/config";
import type { ServiceProcess } from "@switchyard/mesh";
import { type UsageEvent, UsageEventSchema } from "@switchyard/proto";
import { eventually, ROOT, readSse, startTestMesh, type TestMesh } from "./harness.js";

const CONFIG = join(ROOT, "test", "fixtures", "switchyard.cache.yaml");
const KEYS = { admin: "sk-cache-admin-0001", alice: "sk-cache-alice-0002", bob: "sk-cache-bob-00003", carol: "sk-cache-carol-0004" };
type Who = keyof typeof KEYS;

let t: TestMesh;
let replica: ServiceProcess & { baseUrl: string };
const events = new Map<string, UsageEvent>();
let runId = 0;
/** Content no earlier run or test has cached. */
const fresh = (text: string) => `${text} (${Date.now().toString(36)}-${runId++})`;

before(async () => {
  t = await startTestMesh({ configPath: CONFIG, connectors: [{ provider: "mock" }] });
  replica = await t.mesh.addIngress();
  t.nats.subscribe("switchyard.usage.>", {
    callback: (_error, message) => {
      const event = fromJsonString(UsageEventSchema, message.string());
      events.set(event.requestId, event);
    },
  });
});
after(async () => {
  await t?.stop();
});

interface Ask {
  model: string;
  content: string;
  who?: Who;
  stream?: boolean;
  headers?: Record<string, string>;
  /** The ingress replica's base URL; the first replica's by default. */
  base?: string;
  temperature?: number;
  signal?: AbortSignal;
}

function ask({
  model,
  content,
  who = "alice",
  stream = false,
  headers = {},
  base = t.mesh.baseUrl,
  temperature,
  signal,
}: Ask): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEYS[who]}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content }], ...(temperature === undefined ? {} : { temperature }) }),
    ...(signal ? { signal } : {}),
  });
}

/** The cache header, after reading the body. */
async function cacheOf(request: Ask): Promise<string> {
  const response = await ask(request);
  assert.equal(response.status, 200, await response.clone().text());
  await response.text();
  return response.headers.get("x-switchyard-cache") ?? "";
}

/** Repeats a request until the cache answers it: stores land a moment after the answer. */
const untilHit = (request: Ask, hit = "hit") =>
  eventually(async () => ((await cacheOf(request)) === hit ? true : undefined), `a ${hit} for ${request.content}`);

const eventOf = (response: Response) => {
  const id = response.headers.get("x-request-id") ?? "";
  return eventually(async () => events.get(id), `the usage event of ${id}`);
};

const answerOf = async (response: Response) =>
  ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first ingress's ops port, where its /metrics are. */
const ingressOps = () => t.mesh.processes.find((p) => p.name === "ingress")!.opsUrl;

async function metric(base: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const found = text.split("\n").find((l) => line.test(l));
  return found ? Number(found.split(" ").at(-1)) : 0;
}

describe("exact cache", () => {
  it("keeps a key's answers to itself by default, and shares them in a team or globally when the model says so", async () => {
    const byKey = { model: "by-key", content: fresh("namespaces by key") };
    await cacheOf(byKey);
    await untilHit(byKey);
    assert.equal(await cacheOf({ ...byKey, who: "bob" }), "miss", "another key of the same team");

    const byTeam = { model: "by-team", content: fresh("namespaces by team") };
    await cacheOf(byTeam);
    await untilHit(byTeam);
    assert.equal(await cacheOf({ ...byTeam, who: "bob" }), "hit", "a key of the same team");
    assert.equal(await cacheOf({ ...byTeam, who: "carol" }), "miss", "a key of another team");

    const shared = { model: "shared", content: fresh("namespaces shared") };
    const stored = async () => (await t.redis.keys("switchyard:cache:exact:shared:global:*")).length;
    const before = await stored();
    await cacheOf(shared);
    await untilHit(shared);
    assert.equal(await cacheOf({ ...shared, who: "carol" }), "hit");
    // The other replica reads it once it is in Redis and announced.
    await eventually(async () => ((await stored()) > before ? true : undefined), "the entry in Redis");
    await untilHit({ ...shared, base: replica.baseUrl, who: "bob" });
  });

  it("keeps an entry for its whole TTL to the millisecond, x-switchyard-cache-ttl included", async () => {
    // One second: the whole of it counts, wherever in a wall-clock second it was stored.
    const oneSecond = { model: "by-key", content: fresh("ttl one second"), headers: { "x-switchyard-cache-ttl": "1" } };
    await cacheOf(oneSecond);
    await untilHit(oneSecond);
    await pause(1_100);
    assert.equal(await cacheOf(oneSecond), "miss", "after its second");

    const quarter = { model: "by-key", content: fresh("ttl a quarter second"), headers: { "x-switchyard-cache-ttl": "0.25" } };
    await cacheOf(quarter);
    await untilHit(quarter);
    await pause(300);
    assert.equal(await cacheOf(quarter), "miss", "after 250 ms");
  });

  it("purges one model's namespace for admin keys only", async () => {
    const request = { model: "by-key", content: fresh("purge me") };
    const stored = async () => (await t.redis.keys("switchyard:cache:exact:by-key:key%3Aalice:*")).length;
    const before = await stored();
    await cacheOf(request);
    await untilHit(request);
    // Written to Redis, not only waiting in the ingress's batch: a purge drops what is stored.
    await eventually(async () => ((await stored()) > before ? true : undefined), "the entry in Redis");
    const purge = (who: Who, query: string) =>
      fetch(`${t.mesh.baseUrl}/admin/cache?${query}`, { method: "DELETE", headers: { authorization: `Bearer ${KEYS[who]}` } });
    const refused = await purge("alice", "model=by-key&namespace=key:alice");
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { type: string } }).error.type, "permission_error");
    const bad = await purge("admin", "namespace=everyone");
    assert.equal(bad.status, 400);
    await bad.text();
    const purged = await purge("admin", "model=by-key&namespace=key:alice");
    assert.equal(purged.status, 200);
    const body = (await purged.json()) as { deleted: { exact: number } };
    assert.ok(body.deleted.exact >= 1, JSON.stringify(body));
    assert.equal(await cacheOf(request), "miss");
  });

  it("counts hits, misses, bytes and saved cost, and names hits in the usage event", async () => {
    const request = { model: "by-key", content: fresh("count me") };
    const hitsBefore = await metric(ingressOps(), /^switchyard_cache_requests_total\{[^}]*result="hit"/);
    const first = await ask(request);
    assert.equal((await eventOf(first)).cache, "miss");
    await first.text();
    await untilHit(request);
    const hit = await ask(request);
    await hit.text();
    const event = await eventOf(hit);
    assert.equal(event.cache, "hit");
    assert.equal(event.outcome, "cache_hit");
    assert.ok((await metric(ingressOps(), /^switchyard_cache_requests_total\{[^}]*result="hit"/)) > hitsBefore);
    assert.ok((await metric(ingressOps(), /^switchyard_cache_requests_total\{[^}]*result="miss"/)) > 0);
    assert.ok((await metric(ingressOps(), /^switchyard_cache_served_bytes_total/)) > 0);
    assert.ok((await metric(ingressOps(), /^switchyard_cache_saved_usd_total/)) > 0, "by-key has a price");
  });
});

describe("stampede protection across two ingress replicas", () => {
  it("makes one upstream call for 50 identical requests while the upstream takes 500 ms", async () => {
    const content = fresh("stampede");
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => ask({ model: "slow", content, base: i % 2 ? replica.baseUrl : t.mesh.baseUrl })),
    );
    const answers = await Promise.all(responses.map(answerOf));
    assert.deepEqual(new Set(answers), new Set([answers[0]]), "one answer for all");
    assert.ok(answers[0]?.includes("stampede"));
    const caches = (await Promise.all(responses.map(eventOf))).map((e) => e.cache);
    assert.equal(caches.filter((c) => c === "miss").length, 1, `one upstream call: ${caches.join(",")}`);
    // On a busy machine a request may arrive once the answer is stored: a hit, still no upstream call.
    assert.equal(caches.filter((c) => c === "coalesced" || c === "hit").length, 49);
    assert.ok(caches.filter((c) => c === "coalesced").length > 25, caches.join(","));
    assert.ok(responses.some((r) => r.headers.get("x-switchyard-cache") === "coalesced"));
    assert.ok((await metric(replica.opsUrl, /^switchyard_cache_requests_total\{[^}]*result="coalesced"/)) > 0);
  });

  it("streams the leader's chunks to followers on both replicas as they come, and answers plain followers whole", async () => {
    const content = fresh("one two three four five six");
    const leader = ask({ model: "slower", content, stream: true });
    await pause(100); // the leader holds the lease; its upstream has 1.4 s to go
    const followers = [
      ask({ model: "slower", content, stream: true, base: replica.baseUrl }),
      ask({ model: "slower", content, stream: true }),
      ask({ model: "slower", content, base: replica.baseUrl }),
    ];
    const [lead, ...rest] = await Promise.all([leader, ...followers]);
    const leaderEvents = await readSse(lead as Response);
    const streamed = (events: unknown[]) =>
      (events as { choices?: { delta?: { content?: string } }[] }[]).map((e) => e.choices?.[0]?.delta?.content ?? "").join("");
    for (const follower of rest.slice(0, 2)) {
      const sse = await readSse(follower);
      assert.equal(follower.headers.get("x-switchyard-cache"), "coalesced");
      assert.ok(sse.done);
      assert.equal(streamed(sse.events), streamed(leaderEvents.events));
      // The leader's chunks one by one, not the two chunks of a replayed answer.
      assert.ok(sse.events.length >= 6, `${sse.events.length} chunks`);
    }
    assert.equal(await answerOf(rest[2] as Response), streamed(leaderEvents.events));
    const caches = await Promise.all([lead as Response, ...rest].map(async (r) => (await eventOf(r)).cache));
    assert.deepEqual(caches, ["miss", "coalesced", "coalesced", "coalesced"]);
  });

  it("sends followers upstream themselves when the leader's client goes away", async () => {
    const content = fresh("abandoned leader");
    const gone = new AbortController();
    const leader = ask({ model: "slower", content, stream: true, signal: gone.signal }).catch(() => undefined);
    await pause(100);
    const followers = [
      ask({ model: "slower", content, base: replica.baseUrl }),
      ask({ model: "slower", content, stream: true }),
      ask({ model: "slower", content }),
    ];
    await pause(100);
    gone.abort();
    await leader;
    const responses = await Promise.all(followers);
    for (const response of responses) assert.equal(response.status, 200);
    assert.match((await answerOf(responses[0] as Response)) ?? "", /abandoned leader/);
    assert.ok((await readSse(responses[1] as Response)).done);
    await answerOf(responses[2] as Response);
    const caches = await Promise.all(responses.map(async (r) => (await eventOf(r)).cache));
    assert.ok(!caches.includes("coalesced"), `each went upstream (or shared a fellow follower's call): ${caches.join(",")}`);
  });

  it("sends followers upstream once a crashed replica's lease lapses", async () => {
    const content = fresh("crashed leader");
    const leader = ask({ model: "slower", content, base: replica.baseUrl }).catch(() => undefined);
    await pause(100);
    const followers = [ask({ model: "slower", content }), ask({ model: "slower", content, stream: true })];
    await pause(100);
    await t.mesh.stopProcess(replica.name, "SIGKILL");
    await leader;
    const [plain, streamed] = await Promise.all(followers);
    assert.equal(plain?.status, 200);
    assert.match((await answerOf(plain as Response)) ?? "", /crashed leader/);
    assert.ok((await readSse(streamed as Response)).done);
    replica = { ...(await t.mesh.restartProcess(replica.name)), baseUrl: replica.baseUrl };
  });
});

describe("semantic cache", () => {
  const threshold = SemanticCacheSchema.properties.threshold.default;
  /** Stores `prompt` as the semantic entry of a scope of its own (its temperature), and waits until it is in Redis. */
  async function storeSemantic(prompt: string, temperature: number): Promise<void> {
    // Entries are named by their prompt's digest (the same prompt may have entries in other scopes).
    const pattern = `switchyard:cache:semantic:*:${hash("sha256", prompt, "base64url").slice(0, 22)}`;
    const before = (await t.redis.keys(pattern)).length;
    assert.equal(await cacheOf({ model: "similar", content: prompt, temperature, who: "carol" }), "miss");
    await eventually(async () => ((await t.redis.keys(pattern)).length > before ? true : undefined), `the semantic entry of ${prompt}`);
  }

  it("answers as the labelled set says through the mesh: paraphrases within the threshold hit, look-alikes never", async () => {
    const embedder = LocalEmbedder.load();
    const scored = score(embedder, loadPairs());
    // A spread of the set: every eighth pair, both kinds.
    const chosen = scored.filter((_, i) => i % 8 === 0);
    const base = 0.1 + (Date.now() % 1000) / 10_000; // scopes no earlier run used
    let lookalikes = 0;
    for (const [i, pair] of chosen.entries()) {
      const temperature = Number((base + i / 1000).toFixed(4));
      await storeSemantic(pair.a, temperature);
      const response = await ask({ model: "similar", content: pair.b, temperature, who: "alice" });
      assert.equal(response.status, 200);
      const expected = pair.similarity >= threshold ? "semantic-hit" : "miss";
      assert.equal(response.headers.get("x-switchyard-cache"), expected, `${pair.a} | ${pair.b} (${pair.similarity.toFixed(3)})`);
      if (expected === "semantic-hit") {
        assert.ok(Math.abs(Number(response.headers.get("x-switchyard-cache-similarity")) - pair.similarity) < 1e-3);
        assert.match(
          (await answerOf(response)) ?? "",
          new RegExp(pair.a.slice(0, 12).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
          "the cached prompt's answer",
        );
        assert.equal((await eventOf(response)).cache, "semantic_hit");
      } else await response.text();
      if (!pair.same) {
        lookalikes++;
        assert.equal(expected, "miss", `a look-alike must not hit: ${pair.a} | ${pair.b}`);
      }
    }
    assert.ok(lookalikes > 10 && chosen.length - lookalikes > 10, "both kinds tried");
  });

  it("embeds with a model of the config when the model says so", async () => {
    const prompt = fresh("What is the capital of France?");
    const first = await ask({ model: "similar-by-model", content: prompt, temperature: 0.7 });
    assert.equal(first.headers.get("x-switchyard-cache"), "miss");
    await first.text();
    // The embeddings call is a request of its own in the usage events, charged to the caller.
    const embedding = await eventually(
      async () => events.get(`${first.headers.get("x-request-id")}.embedding`),
      "the embedding call's usage event",
    );
    assert.deepEqual(
      [embedding.endpoint, embedding.model, embedding.keyName, embedding.outcome],
      ["/v1/embeddings", "vectors", "alice", "success"],
    );
    const pattern = `switchyard:cache:semantic:*:${hash("sha256", prompt, "base64url").slice(0, 22)}`;
    await eventually(async () => ((await t.redis.keys(pattern)).length > 0 ? true : undefined), "the entry");
    // The mock embeds a bag of words: the same words in another order are the same vector.
    const reordered = `${prompt.replace("What is the capital of France?", "The capital of France is what")}`;
    const response = await ask({ model: "similar-by-model", content: reordered, temperature: 0.7 });
    assert.equal(response.headers.get("x-switchyard-cache"), "semantic-hit");
    assert.match((await answerOf(response)) ?? "", /What is the capital of France\?/);
    assert.equal(
      await cacheOf({ model: "similar-by-model", content: prompt.replace("France", "Spain"), temperature: 0.7 }),
      "miss",
      "the facts still count",
    );
  });

  it("keeps its entries across a restart of the cache service, and skips semantic lookups while it is down", async () => {
    const prompt = fresh("Explain recursion in simple terms.");
    await storeSemantic(prompt, 0.5);
    // Each probe differs (in trailing spaces only), so one that misses and is stored does not make
    // the next an exact hit. The ingress reconnects to a restarted service within gRPC's backoff.
    let probe = 0;
    const semanticHit = () =>
      eventually(
        async () =>
          (await cacheOf({ model: "similar", content: `${prompt}${" ".repeat(++probe)}`, temperature: 0.5 })) === "semantic-hit"
            ? true
            : undefined,
        "a semantic hit",
        30_000,
      );
    await semanticHit();

    await t.mesh.stopProcess("cache");
    const skipped = await metric(ingressOps(), /^switchyard_cache_unavailable_total\{[^}]*dependency="cache_service"/);
    // A probe that was a semantic hit a moment ago.
    assert.equal(
      await cacheOf({ model: "similar", content: `${prompt}${" ".repeat(++probe)}`, temperature: 0.5 }),
      "miss",
      "semantic lookups are skipped",
    );
    assert.ok((await metric(ingressOps(), /^switchyard_cache_unavailable_total\{[^}]*dependency="cache_service"/)) > skipped);
    const exact = { model: "shared", content: fresh("exact while the cache service is down") };
    await cacheOf(exact);
    await untilHit(exact);

    await t.mesh.restartProcess("cache");
    await semanticHit();
  });
});

describe("Redis stops mid-test", () => {
  it("answers every request as a miss, counts the skipped steps, and caches again once Redis is back", async () => {
    const skippedBefore = await metric(ingressOps(), /^switchyard_cache_unavailable_total\{[^}]*dependency="redis"/);
    await t.infra.redis?.pause();
    try {
      for (const model of ["by-key", "slow", "similar"]) {
        const response = await ask({ model, content: fresh("redis is down") });
        assert.equal(response.status, 200, model);
        assert.equal(response.headers.get("x-switchyard-cache"), "miss");
        await response.text();
      }
      assert.ok((await metric(ingressOps(), /^switchyard_cache_unavailable_total\{[^}]*dependency="redis"/)) > skippedBefore);
    } finally {
      await t.infra.redis?.resume();
    }
    const request = { model: "by-key", content: fresh("redis is back") };
    await eventually(async () => ((await cacheOf(request)) === "hit" ? true : undefined), "a hit once Redis is back", 30_000);
  });
});
