import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { GatewayError } from "@switchyard/errors";
import { type Deployment, DeploymentSchema, PlanResponseSchema } from "@switchyard/proto";
import { defaultComplexity } from "./prompt-complexity.js";
import { type RouteInputs, routeOf, weightedOrder } from "./route.js";

/** A fixed sequence of "random" numbers, repeated. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

/** A seeded generator (mulberry32), so a few hundred draws are reproducible. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const deployment = (id: string, extra: MessageInitShape<typeof DeploymentSchema> = {}) =>
  create(DeploymentSchema, { id, provider: "p", model: id, ...extra });
const plan = (extra: MessageInitShape<typeof PlanResponseSchema>) =>
  create(PlanResponseSchema, { strategy: "failover", reason: "r", ...extra });
const inputs = (extra: Partial<RouteInputs> = {}): RouteInputs => ({
  body: { messages: [{ role: "user", content: "hi" }] },
  random: () => 0.5,
  inFlight: { count: () => 0 },
  skipUntil: () => undefined,
  complexity: defaultComplexity,
  chat: true,
  ...extra,
});
const ids = (route: { attempts: Deployment[] }) => route.attempts.map((d) => d.id);

describe("routeOf", () => {
  it("keeps a failover plan's order", () => {
    assert.deepEqual(ids(routeOf(plan({ attempts: [deployment("a"), deployment("b")] }), inputs())), ["a", "b"]);
  });

  it("draws weighted orders within binomial bounds over 400 requests", () => {
    const weightedPlan = plan({ draw: "weighted", attempts: [deployment("big", { weight: 3 }), deployment("small", { weight: 1 })] });
    const random = seeded(42);
    let big = 0;
    for (let i = 0; i < 400; i++) if (routeOf(weightedPlan, inputs({ random })).attempts[0]!.id === "big") big++;
    // Expected 300, standard deviation sqrt(400 * 0.75 * 0.25) ≈ 8.7: four of them either side.
    assert.ok(big > 300 - 35 && big < 300 + 35, `big first ${big} of 400`);
  });

  it("draws without replacement, each deployment once", () => {
    const order = weightedOrder(
      [deployment("a", { weight: 1 }), deployment("b", { weight: 1 }), deployment("c", { weight: 2 })],
      sequence(0.9, 0.1),
    );
    assert.deepEqual(
      order.map((d) => d.id),
      ["c", "a", "b"],
    );
  });

  it("explores another deployment for the configured share of requests", () => {
    const latencyPlan = plan({ draw: "explore", explore: 0.05, attempts: [deployment("fast"), deployment("slow"), deployment("new")] });
    assert.deepEqual(ids(routeOf(latencyPlan, inputs({ random: sequence(0.5) }))), ["fast", "slow", "new"]);
    const explored = routeOf(latencyPlan, inputs({ random: sequence(0.01, 0.9) }));
    assert.deepEqual(ids(explored), ["new", "fast", "slow"]);
    assert.match(explored.note, /exploring new/);
  });

  it("orders least-busy by the shared in-flight counts", () => {
    const busyPlan = plan({ draw: "least_busy", attempts: [deployment("a"), deployment("b"), deployment("c")] });
    const counts: Record<string, number> = { a: 4, b: 1, c: 2 };
    const route = routeOf(busyPlan, inputs({ inFlight: { count: (id) => counts[id] ?? 0 } }));
    assert.deepEqual(ids(route), ["b", "c", "a"]);
    assert.match(route.note, /in flight a=4 b=1 c=2|in flight b=1 c=2 a=4/);
  });

  it("starts a cascade at the strongest deployment when the prompt scores above the threshold", () => {
    const cascadePlan = plan({ attempts: [deployment("weak"), deployment("strong")], cascade: { checks: ["empty"], threshold: 0.5 } });
    assert.deepEqual(ids(routeOf(cascadePlan, inputs({ complexity: () => 0.2 }))), ["weak", "strong"]);
    const hard = routeOf(cascadePlan, inputs({ complexity: () => 0.9 }));
    assert.deepEqual(ids(hard), ["strong", "weak"]);
    assert.match(hard.note, /complexity 0.90 > 0.5/);
  });

  it("skips deployments whose context window cannot hold the prompt and max_tokens, and refuses when none can", () => {
    const sized = plan({
      attempts: [deployment("small", { contextWindow: 100 }), deployment("large", { contextWindow: 10_000 })],
      ownAttempts: 2,
    });
    const body = { messages: [{ role: "user", content: "x".repeat(400) }], max_tokens: 50 };
    const route = routeOf(sized, inputs({ body }));
    assert.deepEqual(ids(route), ["large"]);
    assert.equal(route.ownAttempts, 1);
    assert.throws(
      () => routeOf(sized, inputs({ body: { ...body, max_tokens: 20_000 } })),
      (error: unknown) =>
        error instanceof GatewayError && error.code === "invalid_request" && /context window \(largest 10000\)/.test(error.message),
    );
  });

  it("leaves out what this ingress saw failing, and says when to come back once nothing is left", () => {
    const twoPlan = plan({ attempts: [deployment("a"), deployment("b")] });
    const route = routeOf(twoPlan, inputs({ skipUntil: (id) => (id === "a" ? Date.now() + 5_000 : undefined) }));
    assert.deepEqual(ids(route), ["b"]);
    assert.throws(
      () => routeOf(twoPlan, inputs({ skipUntil: () => Date.now() + 5_000 })),
      (error: unknown) => error instanceof GatewayError && error.code === "no_deployment_available" && error.retryAfterS === 5,
    );
  });

  it("keeps fallbacks after the model's own draw", () => {
    const withFallback = plan({
      draw: "weighted",
      ownAttempts: 2,
      attempts: [deployment("a", { weight: 1 }), deployment("b", { weight: 1 }), deployment("other")],
    });
    const route = routeOf(withFallback, inputs({ random: sequence(0.9, 0) }));
    assert.deepEqual(ids(route), ["b", "a", "other"]);
    assert.equal(route.ownAttempts, 2);
  });
});

describe("defaultComplexity", () => {
  it("scores a short question low and a long, coded, multi-step prompt high", () => {
    assert.ok(defaultComplexity({ messages: [{ role: "user", content: "What is the capital of France?" }] }) < 0.2);
    const hard = [
      "Prove the following theorem and then implement it step by step:",
      "1. derive the equation x^2 + 3 = 7",
      "2. write the code",
      "```",
      "function solve(x) { return x * x + 3; }",
      "```",
      "3. explain why? and what then?",
      "x".repeat(8_000),
    ].join("\n");
    assert.ok(defaultComplexity({ messages: [{ role: "user", content: hard }] }) > 0.9);
  });
});
