import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { parseConfig } from "@switchyard/config";
import { PlanResponseSchema } from "@switchyard/proto";
import { PlanFallback, planWithFallback } from "./plan-fallback.js";

const config = parseConfig(
  `
providers:
  mock: { kind: mock }
  other: { kind: mock }
  off: { kind: openai, api_key: "\${NEVER_SET_IN_THIS_TEST}" }
models:
  smart:
    timeout_ms: 9000
    deployments:
      - { provider: off, model: gpt-4o }
      - { id: first, provider: mock, model: echo, capabilities: [tools] }
      - { id: second, provider: other, model: echo, capabilities: [vision] }
  embed:
    operations: [embeddings]
    deployments: [{ provider: mock, model: echo }]
keys: []
`,
  "test.yaml",
  {},
);

const chat = { model: "smart", operation: "chat", requiredCapabilities: [] };
const routerPlan = create(PlanResponseSchema, {
  strategy: "weighted",
  reason: "weights 1:3",
  timeoutMs: 9000,
  reuseMs: 5000,
  attempts: [{ id: "second" }, { id: "first" }],
});
const down = () => Promise.reject(Object.assign(new Error("14 UNAVAILABLE: connection refused"), { code: 14 }));

describe("plans while the router is away", () => {
  it("uses the config's order, skipping disabled providers and deployments without a needed capability", async () => {
    const fallback = new PlanFallback(config.models);
    const plan = await planWithFallback(fallback, "k", chat, down);
    assert.deepEqual(
      plan.attempts.map((d) => d.id),
      ["first", "second"],
    );
    assert.equal(plan.timeoutMs, 9000);
    assert.equal(plan.reuseMs, 0, "a stand-in is never cached as the router's answer");
    assert.match(plan.reason, /router unavailable/);
    const vision = await planWithFallback(new PlanFallback(config.models), "v", { ...chat, requiredCapabilities: ["vision"] }, down);
    assert.deepEqual(
      vision.attempts.map((d) => d.id),
      ["second"],
    );
  });

  it("prefers the last plan the router gave for the same request shape", async () => {
    const fallback = new PlanFallback(config.models);
    assert.equal(await planWithFallback(fallback, "k", chat, async () => routerPlan), routerPlan);
    const plan = await planWithFallback(fallback, "k", chat, down);
    assert.deepEqual(
      plan.attempts.map((d) => d.id),
      ["second", "first"],
    );
    assert.equal(plan.reuseMs, 0);
  });

  it("does not ask the router again right after a failure, and asks once that time is over", async () => {
    const fallback = new PlanFallback(config.models, 60_000);
    let asked = 0;
    const ask = () => {
      asked++;
      return down();
    };
    await planWithFallback(fallback, "k", chat, ask);
    await planWithFallback(fallback, "k", chat, ask);
    assert.equal(asked, 1);
    assert.equal(fallback.isDown(Date.now() + 60_001), false);
  });

  it("passes the router's own answers through, failures included, and fails when nothing can stand in", async () => {
    const fallback = new PlanFallback(config.models);
    const notFound = create(PlanResponseSchema, { failure: { code: "model_not_found", message: "no such model" } });
    assert.equal(await planWithFallback(fallback, "x", { ...chat, model: "nope" }, async () => notFound), notFound);
    await assert.rejects(planWithFallback(fallback, "x", { ...chat, model: "nope" }, down), /UNAVAILABLE/);
    await assert.rejects(planWithFallback(fallback, "e", { ...chat, model: "embed" }, down), /UNAVAILABLE/, "embed serves embeddings only");
  });

  it("lists the config's models", () => {
    assert.deepEqual(
      new PlanFallback(config.models).listModels().models.map((m) => [m.id, m.providers]),
      [
        ["smart", ["mock", "other"]],
        ["embed", ["mock"]],
      ],
    );
  });
});
