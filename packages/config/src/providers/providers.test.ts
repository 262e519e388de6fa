import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../errors.js";
import { parseConfig } from "../load.js";
import { providerConfigOf } from "../provider-config.js";
import { PROVIDER_KINDS } from "../schema.js";
import { providerSchemas } from "./index.js";

const withProviders = (providers: string) => `
providers:
${providers}
models:
  m: { deployments: [{ provider: p, model: x }] }
keys: []
`;

function issuesOf(providers: string): { path: string; message: string }[] {
  try {
    parseConfig(withProviders(providers), "test.yaml", {});
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  assert.fail("expected the config to be rejected");
}

describe("provider config per kind", () => {
  it("has one schema per kind", () => {
    assert.deepEqual(Object.keys(providerSchemas).sort(), [...PROVIDER_KINDS].sort());
  });

  it("accepts each kind in the issue's examples", () => {
    const config = parseConfig(
      withProviders(`  p: { kind: mock }
  anthropic: { kind: anthropic, api_key: "\${ANTHROPIC_API_KEY}" }
  gemini: { kind: gemini, api_key: "\${GEMINI_API_KEY}" }
  bedrock: { kind: bedrock, region: us-east-1 }
  azure: { kind: azure, api_base: "https://my-resource.openai.azure.com", api_key: "\${AZURE_OPENAI_API_KEY}", api_version: "2024-10-21" }
  groq: { kind: openai, preset: groq, api_key: "\${GROQ_API_KEY}" }`),
      "t",
      { ANTHROPIC_API_KEY: "a", GEMINI_API_KEY: "g", AZURE_OPENAI_API_KEY: "z" },
    );
    assert.equal(config.providers.bedrock?.enabled, true);
    assert.equal(providerConfigOf(config.providers.azure!, "azure").api_version, "2024-10-21");
    assert.equal(providerConfigOf(config.providers.groq!, "openai").preset, "groq");
    assert.equal(config.providers.groq?.enabled, false, "GROQ_API_KEY is unset: switched off");
    assert.throws(() => providerConfigOf(config.providers.groq!, "anthropic"), /is of kind openai, not anthropic/);
  });

  it("names an unknown kind with the known ones", () => {
    const [issue] = issuesOf("  p: { kind: opnai }");
    assert.equal(issue?.path, "providers.p.kind");
    assert.match(issue!.message, /must be one of "mock", "openai", "azure", "anthropic", "gemini", "bedrock" \(got "opnai"\)/);
  });

  it("checks a provider against its own kind's fields", () => {
    assert.deepEqual(issuesOf("  p: { kind: openai, api_bse: http://x }")[0], {
      path: "providers.p.api_bse",
      message: "unknown field; remove it or check its spelling",
    });
    assert.equal(issuesOf("  p: { kind: azure, api_key: k }")[0]?.path, "providers.p.api_base");
    assert.match(issuesOf("  p: { kind: openai, preset: grok }")[0]!.message, /must be one of "groq", "mistral"/);
    assert.equal(issuesOf("  p: { kind: bedrock, api_key: k }")[0]?.path, "providers.p.api_key");
    assert.equal(issuesOf("  p: { kind: anthropic, region: us-east-1 }")[0]?.path, "providers.p.region");
  });
});
