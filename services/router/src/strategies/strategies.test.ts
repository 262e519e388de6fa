import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { type DeploymentHealth, HealthBook } from "../health.js";
import { strategies } from "./index.js";
import type { PlanContext } from "./types.js";

const config = parseConfig(
  `
providers: { a: { kind: mock }, b: { kind: mock }, c: { kind: mock } }
models:
  split:
    strategy: weighted
    deployments: [{ id: big, provider: a, model: echo, weight: 3 }, { id: small, provider: b, model: echo, weight: 1 }]
  fast:
    strategy: latency
    latency: { explore: 0.1 }
    deployments: [{ id: x, provider: a, model: echo }, { id: y, provider: b, model: echo }, { id: z, provider: c, model: echo }]
  cheap:
    strategy: cascade
    deployments:
      - { id: strong, provider: a, model: echo, price: { input: 5, output: 15 } }
      - { id: weak, provider: b, model: echo, price: { input: 0.1, output: 0.4 } }
  fits:
    strategy: capability
    deployments:
      - { id: plain, provider: a, model: echo }
      - { id: eyes, provider: b, model: echo, capabilities: [vision] }
      - { id: tools, provider: c, model: echo, capabilities: [tools, vision] }
  busy:
    strategy: least-busy
    deployments: [{ id: p, provider: a, model: echo }, { id: q, provider: b, model: echo }]
keys: []
`,
  "inline",
  {},
);
const model = (name: string) => config.models[name]!;
const context = (extra: Partial<PlanContext> = {}): PlanContext => ({
  requiredCapabilities: [],
  estimatedPromptTokens: 0,
  random: () => 0,
  ...extra,
});
const ids = (plan: { attempts: { id: string }[] }) => plan.attempts.map((d) => d.id);
const health = (values: Record<string, Partial<DeploymentHealth>>) => (id: string) =>
  values[id]
    ? {
        failures: 0,
        openUntil: 0,
        retryAfterUntil: 0,
        latencyMs: undefined,
        ttftMs: undefined,
        quota: undefined,
        recent: [],
        ...values[id],
      }
    : undefined;

describe("strategies", () => {
  it("failover keeps config order and lets the plan be reused", () => {
    const plan = strategies.failover.plan(model("split"), model("split").deployments, context());
    assert.deepEqual(ids(plan), ["big", "small"]);
    assert.equal(plan.draw, "");
    assert.ok(plan.reuseMs > 0);
  });

  it("weighted hands the ingress the weights to draw from, so the plan stays reusable", () => {
    const plan = strategies.weighted.plan(model("split"), model("split").deployments, context());
    assert.equal(plan.draw, "weighted");
    assert.deepEqual(
      plan.attempts.map((d) => d.weight),
      [3, 1],
    );
    assert.match(plan.reason, /big=3 small=1/);
    assert.ok(plan.reuseMs > 0);
  });

  it("least-busy leaves the order to the ingress's shared in-flight counts", () => {
    const plan = strategies["least-busy"].plan(model("busy"), model("busy").deployments, context());
    assert.equal(plan.draw, "least_busy");
    assert.deepEqual(ids(plan), ["p", "q"]);
  });

  it("latency ranks by EWMA, measures unknown deployments first, and uses TTFT for streams", () => {
    const known = health({ x: { latencyMs: 300, ttftMs: 20 }, y: { latencyMs: 100, ttftMs: 90 }, z: { latencyMs: 200 } });
    assert.deepEqual(ids(strategies.latency.plan(model("fast"), model("fast").deployments, context({ health: known }))), ["y", "z", "x"]);
    assert.deepEqual(ids(strategies.latency.plan(model("fast"), model("fast").deployments, context({ health: known, stream: true }))), [
      "x",
      "y",
      "z",
    ]);
    const partly = health({ x: { latencyMs: 50 } });
    const plan = strategies.latency.plan(model("fast"), model("fast").deployments, context({ health: partly }));
    assert.deepEqual(ids(plan), ["y", "z", "x"]);
    assert.equal(plan.draw, "explore");
    assert.match(plan.reason, /x=50ms/);
  });

  it("cascade orders by price, cheapest first", () => {
    const plan = strategies.cascade.plan(model("cheap"), model("cheap").deployments, context());
    assert.deepEqual(ids(plan), ["weak", "strong"]);
    assert.match(plan.reason, /empty\/length\/refusal\/json_schema/);
  });

  it("capability keeps only deployments that declare what the request needs", () => {
    const fits = model("fits");
    assert.deepEqual(ids(strategies.capability.plan(fits, fits.deployments, context({ requiredCapabilities: ["vision"] }))), [
      "eyes",
      "tools",
    ]);
    assert.deepEqual(ids(strategies.capability.plan(fits, fits.deployments, context({ requiredCapabilities: ["tools"] }))), ["tools"]);
    assert.deepEqual(ids(strategies.capability.plan(fits, fits.deployments, context())), ["plain", "eyes", "tools"]);
  });

  it("capability refuses with the missing capability named", () => {
    const fits = model("fits");
    assert.throws(
      () => strategies.capability.plan(fits, fits.deployments, context({ requiredCapabilities: ["audio"] })),
      (error: unknown) => error instanceof GatewayError && error.code === "invalid_request" && /supports audio/.test(error.message),
    );
  });

  it("latency moves traffic off a deployment that turns slow within a few answers, and back once it recovers", () => {
    const book = new HealthBook(() => false);
    const answer = (id: string, latencyMs: number) =>
      book.observe({
        at: 0,
        stream: false,
        latencyMs,
        ttftMs: 0,
        attempts: [{ deploymentId: id, status: 200, latencyMs, errorCode: "", retryAfterS: 0 }],
      });
    for (const id of ["x", "y", "z"]) for (let i = 0; i < 20; i++) answer(id, id === "x" ? 50 : 100);
    const first = () =>
      strategies.latency.plan(model("fast"), model("fast").deployments, context({ health: (id) => book.get(id) })).attempts[0]!.id;
    assert.equal(first(), "x");
    let slowAnswers = 0;
    while (first() === "x") {
      answer("x", 1_000);
      slowAnswers++;
    }
    assert.ok(slowAnswers <= 2, `x lost first place after ${slowAnswers} slow answers`);
    // Explored requests measure x again; once it is fast again it wins back first place.
    let fastAnswers = 0;
    while (first() !== "x") {
      answer("x", 50);
      fastAnswers++;
    }
    assert.ok(fastAnswers <= 10, `x regained first place after ${fastAnswers} fast answers`);
  });
});
