import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually, postJson, readSse, startTestMesh, type TestMesh, userMessage, watchUsage } from "./harness.js";

let t: TestMesh;
/** A second ingress replica sharing the same router, connectors, NATS and Redis. */
let second: string;
before(async () => {
  t = await startTestMesh();
  second = (await t.mesh.addIngress()).baseUrl;
});
after(async () => {
  await t?.stop();
});

const bypass = { "x-switchyard-cache": "bypass" };
const chat = (body: Record<string, unknown>, base = t.mesh.baseUrl) => postJson(`${base}/v1/chat/completions`, body, bypass);

/** Sends one request and returns its status, headers of interest and body. */
async function send(model: string, extra: Record<string, unknown> = {}, base?: string, text = "hello there") {
  const response = await chat({ model, messages: userMessage(text), ...extra }, base);
  const body = (await response.json()) as { choices?: { message: { content: string } }[]; error?: { message: string } };
  return {
    status: response.status,
    deployment: response.headers.get("x-switchyard-deployment") ?? "",
    attempts: response.headers.get("x-switchyard-attempts") ?? "",
    route: response.headers.get("x-switchyard-route") ?? "",
    retryAfter: response.headers.get("retry-after"),
    body,
  };
}

describe("failover with retries", () => {
  it("retries the same deployment retries.attempts times with backoff, then moves on; every attempt in the header", async () => {
    const r = await send("route-retries");
    assert.equal(r.status, 200);
    assert.equal(r.attempts, "retried:503,retried:503,retried:503,after-retries:200");
    assert.equal(r.deployment, "after-retries");
  });
});

describe("weighted", () => {
  it("splits 3:1 within binomial bounds over 200 requests", async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const r = await send("route-weighted", {}, undefined, `weighted ${i}`);
      assert.equal(r.status, 200);
      counts[r.deployment] = (counts[r.deployment] ?? 0) + 1;
    }
    // Expected 150 of 200 on heavy; the standard deviation is about 6.1: five of them either side.
    const heavy = counts.heavy ?? 0;
    assert.ok(heavy >= 120 && heavy <= 180, `heavy ${heavy} of 200 (${JSON.stringify(counts)})`);
    assert.equal(heavy + (counts.light ?? 0), 200);
  });
});

describe("circuit breaker", () => {
  it("opens after the failure streak and is skipped by every ingress replica, shown in the route header", async () => {
    // One failure through each ingress: the router, which reads both replicas' usage events, sees the streak.
    for (const base of [second, t.mesh.baseUrl]) {
      const r = await send("route-cooldown", {}, base);
      assert.equal(r.attempts, "breaker-open:500,breaker-spare:200");
    }
    for (const base of [second, t.mesh.baseUrl]) {
      const skipped = await eventually(async () => {
        const r = await send("route-cooldown", {}, base);
        return r.attempts === "breaker-spare:200" ? r : undefined;
      }, "the open breaker to reach the ingress");
      assert.match(skipped.route, /skipped breaker-open \((cooldown \d+s|failing here)\)/);
    }
    // The other replica learnt it from the router's plan, not from its own failures.
    const r = await send("route-cooldown", {}, second);
    assert.match(r.route, /skipped breaker-open \(cooldown \d+s\)/);
  });

  it("is rebuilt by a restarted router from the recent usage stream", async () => {
    await t.mesh.restartProcess("router");
    // A fresh ingress has no plan and no failures of its own: only the new router can tell it.
    const fresh = (await t.mesh.addIngress()).baseUrl;
    const r = await eventually(async () => {
      const answer = await send("route-cooldown", {}, fresh).catch(() => undefined);
      return answer?.status === 200 ? answer : undefined;
    }, "the restarted router to answer");
    assert.equal(r.attempts, "breaker-spare:200");
    assert.match(r.route, /skipped breaker-open \(cooldown \d+s\)/);
  });
});

describe("retry-after", () => {
  it("gives a deployment that answered 429 with retry-after nothing until then, on every replica", async () => {
    const usage = watchUsage(t);
    const response = await chat({ model: "route-retry-after", messages: userMessage("pause please") });
    assert.equal(response.headers.get("x-switchyard-attempts"), "paused:429,unpaused:200");
    const event = (await usage.eventOf(response.headers.get("x-request-id")!)).event;
    assert.equal(event.attempts[0]?.retryAfterS, 120);
    await response.text();
    // This ingress knows at once; the other learns it through the router.
    const here = await send("route-retry-after");
    assert.equal(here.attempts, "unpaused:200");
    const there = await eventually(async () => {
      const r = await send("route-retry-after", {}, second);
      return r.attempts === "unpaused:200" ? r : undefined;
    }, "the pause to reach the second ingress");
    assert.match(there.route, /skipped paused \(retry-after \d+s\)/);
  });
});

describe("latency", () => {
  it("sends most traffic to the faster deployment once measured, and still explores the slower one", async () => {
    await eventually(async () => {
      const r = await send("route-latency");
      return /quick=\d+ms sluggish=\d+ms/.test(r.route) ? r : undefined;
    }, "both deployments measured with quick ranked first");
    const counts: Record<string, number> = {};
    for (let i = 0; i < 60; i++) {
      const r = await send("route-latency", {}, undefined, `latency ${i}`);
      counts[r.deployment] = (counts[r.deployment] ?? 0) + 1;
    }
    // explore: 0.2 of 60 requests is 12 expected on sluggish (sd 3.1).
    assert.ok((counts.quick ?? 0) >= 36, JSON.stringify(counts));
    assert.ok((counts.sluggish ?? 0) >= 1, `the slower deployment is still probed: ${JSON.stringify(counts)}`);
  });
});

describe("least-busy", () => {
  it("sends a request past the deployment another ingress has a slow request on", async () => {
    // A streamed answer of 30 words, 40 ms apart, stays in flight on the first pick for over a second.
    const slow = chat({
      model: "route-busy",
      stream: true,
      messages: userMessage(Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ")),
    });
    const slowResponse = await slow;
    const busy = slowResponse.headers.get("x-switchyard-deployment")!;
    const other = busy === "busy-a" ? "busy-b" : "busy-a";
    const seen = await eventually(async () => {
      const r = await send("route-busy", {}, second);
      return r.route.includes(`${busy}=1`) ? r : undefined;
    }, "the in-flight count of the first ingress to reach the second");
    assert.equal(seen.deployment, other);
    assert.match(seen.route, /least-busy; fewest in flight; in flight/);
    await slowResponse.text();
  });
});

describe("cascade", () => {
  it("answers from the cheapest deployment when its answer passes the checks", async () => {
    const r = await send("route-cascade");
    assert.equal(r.attempts, "cheap:200");
    assert.match(r.route, /cascade; cheapest first/);
  });

  it("escalates on each check: refusal, empty, length", async () => {
    const refusal = await send("route-cascade", {}, undefined, "I'm sorry, but I can't help with that.");
    assert.equal(refusal.attempts, "cheap:200,dear:200");
    assert.match(refusal.route, /escalated past cheap \(refusal\)/);
    const empty = await send("route-cascade", { stop: ["hello"] });
    assert.equal(empty.attempts, "cheap:200,dear:200");
    assert.match(empty.route, /escalated past cheap \(empty\)/);
    const length = await send("route-cascade", { max_tokens: 1 }, undefined, "one two three");
    assert.match(length.route, /escalated past cheap \(length\)/);
    const json = await send("route-cascade-json", {
      stop: ["}"],
      response_format: {
        type: "json_schema",
        json_schema: { name: "n", schema: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] } },
      },
    });
    assert.equal(json.attempts, "cheap-json:200,dear-json:200");
    assert.match(json.route, /escalated past cheap-json \(json_schema\)/);
  });

  it("starts a complex prompt at the strongest deployment", async () => {
    const prompt = [
      "Prove the theorem, then write the code step by step:",
      "1. derive the equation x^2 + 3 = 7",
      "2. solve the integral",
      "```",
      "function f(x) { return x * x; }",
      "```",
      "3. why? and then what?",
      "x".repeat(6_000),
    ].join("\n");
    const r = await send("route-cascade", {}, undefined, prompt);
    assert.equal(r.attempts, "dear:200");
    assert.match(r.route, /strongest first/);
  });

  it("buffers a streamed cheap answer: the client only sees the escalated one", async () => {
    const response = await chat({ model: "route-cascade", stream: true, messages: userMessage("I'm sorry, but I can't do that.") });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-switchyard-attempts"), "cheap:200,dear:200");
    const { events, done } = await readSse(response);
    assert.ok(done);
    const text = events.map((e) => (e as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? "").join("");
    assert.equal(text, "I'm sorry, but I can't do that.", "one answer, not two");
  });
});

describe("capability", () => {
  const image = { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } };
  const tool = { type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } };

  it("routes by what the request needs", async () => {
    assert.equal((await send("route-capability")).deployment, "text-only");
    const vision = await send("route-capability", {
      messages: [{ role: "user", content: [{ type: "text", text: "what is this" }, image] }],
    });
    assert.equal(vision.attempts, "seeing:200");
    assert.match(vision.route, /deployments with vision/);
  });

  it("refuses before any upstream call when no deployment has the capability, naming it", async () => {
    const audio = await send("route-capability", {
      messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }],
    });
    assert.equal(audio.status, 400);
    assert.match(audio.body.error!.message, /supports audio/);
    assert.equal(audio.attempts, "");
  });

  it("skips deployments whose context window is too small and refuses when none is large enough", async () => {
    const fits = await send("route-capability", { tools: [tool] }, undefined, "short");
    assert.equal(fits.deployment, "small-window");
    const tooLong = await send("route-capability", { tools: [tool] }, undefined, "long ".repeat(200));
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body.error!.message, /context window \(largest 64\)/);
  });
});

describe("hedging", () => {
  it("starts the next deployment when the first sends nothing in time; the loser is cancelled and both are in the event", async () => {
    const usage = watchUsage(t);
    for (const stream of [false, true]) {
      const response = await chat({ model: "route-hedge", stream, messages: userMessage("hedge me") });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-switchyard-deployment"), "prompt");
      assert.equal(response.headers.get("x-switchyard-attempts"), "hesitant:499,prompt:200");
      assert.match(response.headers.get("x-switchyard-route") ?? "", /hedged prompt after 50ms/);
      await response.text();
      if (stream) continue;
      const event = (await usage.eventOf(response.headers.get("x-request-id")!)).event;
      assert.deepEqual(
        event.attempts.map((a) => [a.deploymentId, a.status, a.errorCode]),
        [
          ["hesitant", 499, "hedge_cancelled"],
          ["prompt", 200, ""],
        ],
      );
      assert.equal(event.deploymentId, "prompt");
    }
  });
});

describe("fallbacks", () => {
  it("tries the fallback model's deployments once the model's own are exhausted", async () => {
    const r = await send("route-fallbacks");
    assert.equal(r.status, 200);
    assert.equal(r.attempts, "fallen:503,mock/echo:200");
    assert.match(r.route, /then mock-echo/);
  });
});
