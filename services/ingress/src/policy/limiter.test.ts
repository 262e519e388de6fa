import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { useTestRedis } from "@switchyard/mesh/testing";
import { AuthorizeResponseSchema, TokenUsageSchema } from "@switchyard/proto";
import { Redis } from "ioredis";
import { LocalBuckets } from "./buckets.js";
import { Admissions, formatDuration, headersOfError } from "./gate.js";
import { RateLimiter } from "./limiter.js";

const redisServer = useTestRedis();
const quiet = { onFallback: () => {} };
const rpm = (key: string, capacity: number) => ({ key, capacity, windowMs: 60_000, cost: 1 });

describe("rate limits shared through Redis", () => {
  it("lets exactly the limit through a burst spread over two replicas", async (t) => {
    const clients = [new Redis(redisServer.url), new Redis(redisServer.url)];
    t.after(() => {
      for (const client of clients) client.disconnect();
    });
    const replicas = clients.map((client) => new RateLimiter(client, 2, quiet));
    await new Promise((r) => setTimeout(r, 100));
    const now = Date.now();
    const verdicts = await Promise.all(
      Array.from({ length: 30 }, (_, i) => replicas[i % 2]!.take([rpm("burst:rpm", 10)], [], `r${i}`, now + i)),
    );
    assert.equal(verdicts.filter((v) => v.allowed).length, 10);
    assert.ok(
      verdicts.every((v) => !v.local),
      "judged in Redis, not per replica",
    );
    const refused = verdicts.find((v) => !v.allowed)!;
    assert.equal(refused.refusedBy, 0);
    assert.ok(refused.retryMs > 5_000 && refused.retryMs <= 6_000, `one request refills in 6 s (retry ${refused.retryMs} ms)`);
  });

  it("takes from every limit or from none", async () => {
    const limiter = new RateLimiter(redisServer.client, 1, quiet);
    await new Promise((r) => setTimeout(r, 50));
    const now = Date.now();
    assert.ok((await limiter.take([rpm("all:key", 5), rpm("all:team", 1)], [], "a", now)).allowed);
    const second = await limiter.take([rpm("all:key", 5), rpm("all:team", 1)], [], "b", now);
    assert.equal(second.allowed, false);
    assert.equal(second.refusedBy, 1);
    assert.equal(second.buckets[0]!.remaining, 4, "the key's bucket kept what the refused request did not take");
  });

  it("reserves tokens up front and settles them from the real usage", async () => {
    const limiter = new RateLimiter(redisServer.client, 1, quiet);
    const tpm = (cost: number) => ({ key: "tok:tpm", capacity: 1000, windowMs: 60_000, cost });
    const now = Date.now();
    const first = await limiter.take([tpm(900)], [], "a", now);
    assert.equal(Math.round(first.buckets[0]!.remaining), 100);
    assert.equal((await limiter.take([tpm(900)], [], "b", now)).allowed, false);
    limiter.settle([{ ...tpm(900), refund: 900 - 30 }], [], "a", false, now);
    const third = await limiter.take([tpm(900)], [], "c", now);
    assert.equal(third.allowed, true, "the unused reservation came back");
    assert.equal(Math.round(third.buckets[0]!.remaining), 70);
  });

  it("holds a parallel slot until the request settles", async () => {
    const limiter = new RateLimiter(redisServer.client, 1, quiet);
    const slots = [{ key: "par:parallel", max: 2 }];
    assert.ok((await limiter.take([], slots, "a")).allowed);
    assert.ok((await limiter.take([], slots, "b")).allowed);
    assert.equal((await limiter.take([], slots, "c")).allowed, false);
    limiter.settle([], slots, "a", false);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok((await limiter.take([], slots, "d")).allowed);
  });

  it("falls back to this replica's share of the limit while Redis is unreachable, and says so", async () => {
    const offline = new Redis("redis://127.0.0.1:1", { lazyConnect: true, enableOfflineQueue: false });
    let fallbacks = 0;
    const limiter = new RateLimiter(offline, 2, { onFallback: () => fallbacks++ });
    const verdicts = await Promise.all(Array.from({ length: 10 }, (_, i) => limiter.take([rpm("down:rpm", 10)], [], `r${i}`)));
    assert.equal(verdicts.filter((v) => v.allowed).length, 5, "half of rpm 10 on each of two replicas");
    assert.ok(verdicts.every((v) => v.local));
    assert.equal(fallbacks, 10);
  });
});

describe("LocalBuckets", () => {
  it("refills continuously", () => {
    const buckets = new LocalBuckets();
    const spec = [rpm("x", 2)];
    assert.ok(buckets.take(spec, [], "a", 0).allowed);
    assert.ok(buckets.take(spec, [], "b", 0).allowed);
    assert.equal(buckets.take(spec, [], "c", 0).allowed, false);
    assert.ok(buckets.take(spec, [], "d", 30_000).allowed, "half a minute later one request has refilled");
  });
});

describe("Admissions", () => {
  const verdict = (extra: object) => create(AuthorizeResponseSchema, { allowed: true, keyName: "k", ...extra });

  it("sends OpenAI's rate-limit headers on allowed and refused requests", async () => {
    const admissions = new Admissions(new RateLimiter(redisServer.client, 1, quiet), redisServer.client, "adm1:", () => {});
    const auth = verdict({ limits: [{ scope: "key:k", rpm: 2, tpm: 100 }] });
    const first = await admissions.admit(auth, { requestId: "a", reserveTokens: 40, metadata: {} });
    assert.deepEqual(
      { ...first.headers },
      {
        "x-ratelimit-limit-requests": "2",
        "x-ratelimit-remaining-requests": "1",
        "x-ratelimit-reset-requests": "30s",
        "x-ratelimit-limit-tokens": "100",
        "x-ratelimit-remaining-tokens": "60",
        "x-ratelimit-reset-tokens": "24s",
      },
    );
    first.settle(create(TokenUsageSchema, { promptTokens: 5, completionTokens: 5, totalTokens: 10 }));
    await admissions.admit(auth, { requestId: "b", reserveTokens: 10, metadata: {} });
    const refused = await admissions.admit(auth, { requestId: "c", reserveTokens: 10, metadata: {} }).catch((e: unknown) => e);
    assert.ok(refused instanceof Error);
    assert.match(refused.message, /requests per minute \(2\) of key:k/);
    assert.equal(headersOfError(refused)?.["x-ratelimit-remaining-requests"], "0");
  });

  it("limits each value of a metadata field on its own, and leaves requests without it alone", async () => {
    const admissions = new Admissions(new RateLimiter(redisServer.client, 1, quiet), redisServer.client, "adm2:", () => {});
    const auth = verdict({ limits: [{ scope: "key:k:meta:user", rpm: 1, metadataField: "user" }] });
    const ask = (metadata: Record<string, string>) =>
      admissions.admit(auth, { requestId: Math.random().toString(), reserveTokens: 0, metadata }).then(
        () => "ok",
        () => "limited",
      );
    assert.deepEqual(
      [await ask({ user: "ann" }), await ask({ user: "ann" }), await ask({ user: "bob" }), await ask({}), await ask({})],
      ["ok", "limited", "ok", "ok", "ok"],
    );
  });

  it("refuses a request once a budget is spent, naming it and when it resets", async () => {
    const admissions = new Admissions(new RateLimiter(redisServer.client, 1, quiet), redisServer.client, "adm3:", () => {});
    const now = Date.parse("2026-11-24T10:00:00Z");
    const auth = verdict({ limits: [{ scope: "key:k", rpm: 5 }], budgets: [{ scope: "team:ops", usd: 2, period: "month" }] });
    await redisServer.client.hset("adm3:spend:team:ops:month:2026-11", "cost_usd", "1.99");
    await admissions.admit(auth, { requestId: "a", reserveTokens: 0, metadata: {} }, now);
    await redisServer.client.hset("adm3:spend:team:ops:month:2026-11", "cost_usd", "2.01");
    const refused = await admissions.admit(auth, { requestId: "b", reserveTokens: 0, metadata: {} }, now).catch((e: unknown) => e);
    assert.ok(refused instanceof Error);
    assert.equal((refused as { code?: string }).code, "budget_exceeded");
    assert.match(
      refused.message,
      /monthly budget of team "ops" \(\$2\) is used up \(\$2\.01 spent\); it resets at 2026-12-01T00:00:00\.000Z/,
    );
    assert.equal((refused as { retryAfterS?: number }).retryAfterS, 6 * 86_400 + 14 * 3600);
  });

  it("writes durations as OpenAI does", () => {
    assert.deepEqual(
      [formatDuration(20), formatDuration(6000), formatDuration(90_000), formatDuration(3_600_000)],
      ["20ms", "6s", "1m30s", "1h0m0s"],
    );
  });
});
