import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { HealthBook } from "./health.js";
import { Planner } from "./planner.js";

const config = parseConfig(
  `
providers:
  a: { kind: mock }
  b: { kind: mock }
  off: { kind: openai, api_key: "\${SWITCHYARD_TEST_UNSET_KEY}" }
models:
  pair:
    deployments:
      - { provider: a, model: echo, capabilities: [tools] }
      - { provider: b, model: echo, capabilities: [tools, vision] }
  partly-off:
    deployments:
      - { provider: off, model: gpt }
      - { provider: a, model: echo }
  all-off:
    deployments: [{ provider: off, model: gpt }]
  primary:
    fallbacks: [all-off, backup, pair]
    deployments: [{ id: main, provider: a, model: main }]
  backup:
    deployments: [{ id: spare, provider: b, model: spare }, { id: main, provider: a, model: main }]
keys: []
`,
  "inline",
  {},
);
const context = { requiredCapabilities: [], estimatedPromptTokens: 0, random: () => 0 };
const planner = new Planner(config);

describe("Planner", () => {
  it("plans failover in config order", () => {
    const plan = planner.plan("pair", context);
    assert.deepEqual(
      plan.attempts.map((d) => d.id),
      ["a/echo", "b/echo"],
    );
    assert.equal(plan.model.strategy, "failover");
  });

  it("keeps only deployments with the required capabilities", () => {
    const plan = planner.plan("pair", { ...context, requiredCapabilities: ["vision"] });
    assert.deepEqual(
      plan.attempts.map((d) => d.id),
      ["b/echo"],
    );
  });

  it("names the model in a model_not_found error", () => {
    assert.throws(
      () => planner.plan("nope", context),
      (error: unknown) => error instanceof GatewayError && error.code === "model_not_found" && error.message.includes("nope"),
    );
  });

  it("drops deployments of providers whose secret is missing", () => {
    assert.deepEqual(
      planner.plan("partly-off", context).attempts.map((d) => d.provider),
      ["a"],
    );
    assert.equal(config.models["all-off"], undefined);
    assert.equal(config.providers.off?.enabled, false);
    assert.match(config.providers.off?.disabled_reason ?? "", /SWITCHYARD_TEST_UNSET_KEY/);
  });

  it("appends fallback models' deployments after the model's own, once each, passing over absent models", () => {
    const plan = planner.plan("primary", context);
    assert.deepEqual(
      plan.attempts.map((d) => d.id),
      ["main", "spare", "a/echo", "b/echo"],
    );
    assert.equal(plan.ownAttempts, 1);
    assert.match(plan.reason, /then backup, pair$/);
  });

  it("leaves out deployments that are cooling down and reuses the plan no longer than the skip lasts", () => {
    const book = new HealthBook(() => ({ after_failures: 1, for_s: 30 }));
    book.observe({
      at: 1_000,
      stream: false,
      latencyMs: 5,
      ttftMs: 0,
      attempts: [{ deploymentId: "a/echo", status: 503, latencyMs: 5, errorCode: "", retryAfterS: 0 }],
    });
    const plan = new Planner(config, book).plan("pair", context, "chat", 2_000);
    assert.deepEqual(
      plan.attempts.map((d) => d.id),
      ["b/echo"],
    );
    assert.deepEqual(plan.skipped, [{ deploymentId: "a/echo", reason: "cooldown", until: 31_000 }]);
    assert.match(plan.reason, /skipped a\/echo \(cooldown 29s\)/);
    assert.ok(plan.reuseMs <= 29_000);
  });
});
