import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseConfig } from "@switchyard/config";
import { selectProvider } from "./select-provider.js";

const config = parseConfig(
  `
providers:
  mock: { kind: mock }
  openai: { kind: openai, api_key: "\${TEST_OPENAI_KEY}" }
models:
  mock-echo: { deployments: [{ provider: mock, model: echo }] }
keys: []
`,
  "test.yaml",
  {},
);

describe("selectProvider", () => {
  it("returns the named provider", () => {
    assert.equal(selectProvider(config, "mock").kind, "mock");
  });

  it("names the known providers when PROVIDER is unknown or unset", () => {
    assert.throws(
      () => selectProvider(config, "anthropic"),
      (e: unknown) => e instanceof ConfigError && /unknown provider "anthropic"; known: mock, openai/.test(e.message),
    );
    assert.throws(
      () => selectProvider(config, undefined),
      (e: unknown) => e instanceof ConfigError && /PROVIDER: not set.*mock, openai/.test(e.message),
    );
  });

  it("refuses a disabled provider with the reason", () => {
    assert.throws(
      () => selectProvider(config, "openai"),
      (e: unknown) => e instanceof ConfigError && /"openai" is disabled: TEST_OPENAI_KEY not set/.test(e.message),
    );
  });
});
