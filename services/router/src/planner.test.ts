import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
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
});
