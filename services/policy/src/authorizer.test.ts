import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { KeyStore, mask } from "./key-store.js";

const config = parseConfig(
  `
providers: { mock: { kind: mock } }
models: { m: { deployments: [{ provider: mock, model: echo }] } }
keys:
  - { name: admin, key: sk-admin-123456, role: admin }
  - { name: narrow, key: sk-narrow-123456, models: [m], team: research }
`,
  "inline",
);

function failure(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    return error;
  }
  assert.fail("expected a GatewayError");
}

describe("KeyStore", () => {
  const store = KeyStore.fromConfig(config);

  it("returns the principal of a known key", () => {
    assert.deepEqual(store.authorize("sk-admin-123456", "anything"), {
      keyName: "admin",
      role: "admin",
      team: "",
      allowedModels: [],
    });
  });

  it("rejects a missing key with missing_api_key", () => {
    assert.equal(failure(() => store.authorize("", "m")).code, "missing_api_key");
  });

  it("rejects an unknown key without echoing it whole", () => {
    const error = failure(() => store.authorize("sk-wrong-abcdef9999", "m"));
    assert.equal(error.code, "invalid_api_key");
    assert.ok(!error.message.includes("sk-wrong-abcdef9999"));
    assert.match(error.message, /sk-\*\*\*\*9999/);
  });

  it("limits a key to its models", () => {
    assert.equal(store.authorize("sk-narrow-123456", "m").team, "research");
    const error = failure(() => store.authorize("sk-narrow-123456", "other"));
    assert.equal(error.code, "model_not_allowed");
    assert.equal(error.param, "model");
  });

  it("accepts keys configured only by their digest", () => {
    const digestOnly = parseConfig(
      `
providers: {}
models: {}
keys: [{ name: hashed, key_sha256: "${"a".repeat(64)}" }]
`,
      "inline",
    );
    assert.equal(digestOnly.keys[0]?.key_sha256, "a".repeat(64));
  });

  it("masks short keys entirely", () => {
    assert.equal(mask("abc"), "****");
  });
});
