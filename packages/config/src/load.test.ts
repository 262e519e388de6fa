import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readEnv } from "./env.js";
import { ConfigError } from "./errors.js";
import { exposureProblem } from "./guards.js";
import { loadConfig, parseConfig, withoutTopLevelSection } from "./load.js";
import { DEFAULT_MODEL_TIMEOUT_MS, sha256Hex } from "./resolve.js";

const minimal = (extra = "") => `
providers:
  mock: { kind: mock }
models:
  m: { deployments: [{ provider: mock, model: echo }] }
keys:
  - { name: dev, key: sk-switchyard-dev, role: admin }
${extra}`;

function issuesOf(text: string, env: Record<string, string> = {}): { path: string; message: string }[] {
  try {
    parseConfig(text, "test.yaml", env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.issues;
  }
  assert.fail("expected the config to be rejected");
}

describe("parseConfig", () => {
  it("fills defaults and derives deployment ids", () => {
    const config = parseConfig(minimal(), "test.yaml", {});
    const model = config.models.m!;
    assert.equal(model.strategy, "failover");
    assert.equal(model.timeout_ms, 60_000);
    assert.deepEqual(model.operations, ["chat"]);
    assert.equal(model.deployments[0]?.id, "mock/echo");
    assert.deepEqual(model.deployments[0]?.price, { input: 0, output: 0 });
    assert.equal(config.cache.enabled, true);
    assert.equal(config.keys[0]?.key_sha256, sha256Hex("sk-switchyard-dev"));
  });

  it("fills every optional field from the schema's defaults", () => {
    const config = parseConfig(minimal(), "test.yaml", {});
    assert.deepEqual(config.models.m, {
      name: "m",
      strategy: "failover",
      timeout_ms: 60_000,
      operations: ["chat"],
      retries: { attempts: 0, backoff_ms: 200, max_backoff_ms: 2000 },
      cooldown: { after_failures: 3, for_s: 30 },
      fallbacks: [],
      latency: { explore: 0.05 },
      cascade: { checks: ["empty", "length", "refusal", "json_schema"], threshold: 0.7 },
      deployments: [
        {
          id: "mock/echo",
          provider: "mock",
          model: "echo",
          price: { input: 0, output: 0 },
          weight: 1,
          capabilities: [],
          context_window: 0,
          timeout_ms: 60_000,
        },
      ],
    });
    assert.deepEqual(config.keys, [{ name: "dev", key_sha256: sha256Hex("sk-switchyard-dev"), role: "admin", models: [], team: "" }]);
    assert.deepEqual(config.cache, {
      enabled: true,
      ttl_s: 3600,
      namespace: "key",
      max_entry_bytes: 1024 * 1024,
      index_max_entries: 1_000_000,
      coalesce: { enabled: true, wait_ms: 30_000, lease_ms: 5_000, across_replicas: true },
      semantic: { enabled: false, threshold: 0.92, embedder: "local", safe_tools: [] },
    });
    assert.deepEqual(config.limits, { max_request_bytes: 16 * 1024 * 1024 });
    assert.deepEqual(config.streaming, { heartbeat_ms: 15_000 });
    assert.equal(DEFAULT_MODEL_TIMEOUT_MS, 60_000);
  });

  it("inherits a deployment's timeout from its provider, then its model", () => {
    const config = parseConfig(
      `
providers: { slow: { kind: mock, timeout_ms: 5000 }, mock: { kind: mock } }
models: { m: { timeout_ms: 9000, deployments: [{ provider: slow, model: a }, { provider: mock, model: b }, { provider: slow, model: c, timeout_ms: 100 }] } }
keys: [{ name: k, key: sk-some-key-1, role: user, team: t }]
cache: { ttl_s: 60 }
`,
      "t",
      {},
    );
    assert.deepEqual(
      config.models.m!.deployments.map((d) => d.timeout_ms),
      [5000, 9000, 100],
    );
    assert.equal(config.keys[0]?.team, "t");
    assert.deepEqual([config.cache.ttl_s, config.cache.namespace], [60, "key"]);
  });

  it("numbers repeated deployments so ids stay unique", () => {
    const config = parseConfig(
      `
providers: { mock: { kind: mock } }
models: { m: { deployments: [{ provider: mock, model: echo }, { provider: mock, model: echo }] } }
keys: []
`,
      "t",
      {},
    );
    assert.deepEqual(
      config.models.m!.deployments.map((d) => d.id),
      ["mock/echo", "mock/echo#1"],
    );
  });

  it("names the field and the choices for a wrong enum value", () => {
    const issues = issuesOf(
      minimal().replace("{ provider: mock, model: echo }", "{ provider: mock, model: echo }], strategy: fastest, x: [1"),
    );
    assert.ok(
      issues.some((i) => i.path === "models.m.strategy" && /one of "failover"/.test(i.message)),
      JSON.stringify(issues),
    );
  });

  it("names a wrong type without coercing it", () => {
    const issues = issuesOf(minimal("cache: { ttl_s: '60' }"));
    assert.deepEqual(
      issues.map((i) => i.path),
      ["cache.ttl_s"],
    );
  });

  it("rejects unknown fields by path", () => {
    const issues = issuesOf(minimal("cache: { tll_s: 60 }"));
    assert.equal(issues[0]?.path, "cache.tll_s");
    assert.match(issues[0]!.message, /unknown field/);
  });

  it("names a deployment's unknown provider and lists the known ones", () => {
    const issues = issuesOf(minimal().replace("provider: mock, model: echo", "provider: opnai, model: echo"));
    assert.equal(issues[0]?.path, "models.m.deployments[0].provider");
    assert.match(issues[0]!.message, /unknown provider "opnai".*known: mock/);
  });

  it("interpolates ${VAR} and ${VAR:-default}", () => {
    const config = parseConfig(minimal().replace("sk-switchyard-dev", '"${ADMIN_KEY}"'), "t", { ADMIN_KEY: "sk-from-env-1234" });
    assert.equal(config.keys[0]?.key_sha256, sha256Hex("sk-from-env-1234"));
    const fallback = parseConfig(minimal().replace("sk-switchyard-dev", '"${ADMIN_KEY:-sk-fallback-123}"'), "t", {});
    assert.equal(fallback.keys[0]?.key_sha256, sha256Hex("sk-fallback-123"));
  });

  it("switches off a provider whose secret is unset, and fails on other unset variables", () => {
    const config = parseConfig(
      minimal().replace("mock: { kind: mock }", 'mock: { kind: mock }\n  openai: { kind: openai, api_key: "${NOT_SET_KEY}" }'),
      "t",
      {},
    );
    assert.equal(config.providers.openai?.enabled, false);
    assert.match(config.providers.openai?.disabled_reason ?? "", /NOT_SET_KEY/);
    const issues = issuesOf(minimal().replace("sk-switchyard-dev", '"${MISSING_ADMIN_KEY}"'));
    assert.equal(issues[0]?.path, "keys[0].key");
    assert.match(issues[0]!.message, /MISSING_ADMIN_KEY is not set/);
  });

  it("reports YAML syntax errors with their line", () => {
    const issues = issuesOf("providers: {\nmodels: [");
    assert.match(issues[0]!.path, /^line \d+/);
  });

  it("accepts the shipped default config with no provider keys set", () => {
    const text = readFileSync(new URL("../../../config/switchyard.yaml", import.meta.url), "utf8");
    const config = parseConfig(text, "config/switchyard.yaml", {});
    assert.ok(config.models["mock-echo"]);
    assert.ok(config.models["mock-failover"]);
    assert.equal(config.models["gpt-4o"], undefined, "OpenAI models wait for OPENAI_API_KEY");
    const withKey = parseConfig(text, "config/switchyard.yaml", { OPENAI_API_KEY: "sk-real" });
    assert.ok(withKey.models["gpt-4o"]);
  });
});

describe("exposureProblem", () => {
  const config = parseConfig(minimal(), "t", {});
  it("allows the dev key on loopback only", () => {
    assert.equal(exposureProblem(config, "127.0.0.1"), undefined);
    assert.equal(exposureProblem(config, "::1"), undefined);
    assert.match(exposureProblem(config, "0.0.0.0") ?? "", /sk-switchyard-dev/);
  });
  it("allows any address without the dev key", () => {
    const safe = parseConfig(minimal().replace("sk-switchyard-dev", "sk-production-key-9"), "t", {});
    assert.equal(exposureProblem(safe, "0.0.0.0"), undefined);
  });
});

describe("readEnv", () => {
  it("applies defaults", () => {
    const env = readEnv({});
    assert.equal(env.SWITCHYARD_PORT, "8080");
    assert.equal(env.NATS_URL, "nats://127.0.0.1:4222");
  });
  it("names a bad variable", () => {
    assert.throws(
      () => readEnv({ SWITCHYARD_PORT: "eighty" }),
      (error: unknown) => error instanceof ConfigError && error.issues[0]?.path === "SWITCHYARD_PORT",
    );
  });
});

describe("loadConfig without keys", () => {
  const write = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-config-"));
    const path = join(dir, "switchyard.yaml");
    writeFileSync(path, text);
    return path;
  };

  it("leaves a block-style keys list out and keeps the rest", () => {
    const path = write(minimal("cache: { ttl_s: 60 }\n"));
    const full = loadConfig(path, {});
    const light = loadConfig(path, {}, { withoutKeys: true });
    assert.equal(full.keys.length, 1);
    assert.deepEqual(light.keys, []);
    assert.deepEqual(light.models, full.models);
    assert.equal(light.cache.ttl_s, 60);
  });

  it("treats sequence items at column 0 as part of the list, and keeps error line numbers", () => {
    const text =
      "keys:\n- { name: a, key: sk-aaaaaaaaaaaaaaaa }\n# a comment\n- { name: b, key: sk-bbbbbbbbbbbbbbbb }\nproviders:\n  mock: { kind: mock }\n";
    const stripped = withoutTopLevelSection(text, "keys");
    assert.equal(stripped.split("\n").length, text.split("\n").length);
    assert.match(stripped, /^keys: \[\]\n\n\n\nproviders:/);
  });

  it("reads the whole file when something outside the list needs it", () => {
    const text = `
keys:
  - { name: &owner dev, key: sk-switchyard-dev, role: admin }
providers:
  mock: { kind: mock, headers: { x-owner: *owner } }
models:
  m: { deployments: [{ provider: mock, model: echo }] }
`;
    // Without the list the alias has nothing to point at, so the loader reads the whole file.
    const config = loadConfig(write(text), {}, { withoutKeys: true });
    assert.equal(config.providers.mock?.headers?.["x-owner"], "dev");
  });

  it("returns a flow-style file unchanged", () => {
    const text = "{ providers: { mock: { kind: mock } }, keys: [] }";
    assert.equal(withoutTopLevelSection(text, "keys"), text);
  });
});

describe("routing config", () => {
  it("fills the routing defaults from the schema", () => {
    const model = parseConfig(minimal(), "test.yaml", {}).models.m!;
    assert.deepEqual(model.retries, { attempts: 0, backoff_ms: 200, max_backoff_ms: 2_000 });
    assert.deepEqual(model.cooldown, { after_failures: 3, for_s: 30 });
    assert.deepEqual(model.fallbacks, []);
    assert.equal(model.latency.explore, 0.05);
    assert.deepEqual(model.cascade, { checks: ["empty", "length", "refusal", "json_schema"], threshold: 0.7 });
    const off = parseConfig(minimal().replace("m: { deployments", "m: { cooldown: false, retries: { attempts: 2 }, deployments"), "t", {})
      .models.m!;
    assert.equal(off.cooldown, false);
    assert.deepEqual(off.retries, { attempts: 2, backoff_ms: 200, max_backoff_ms: 2_000 });
  });

  it("refuses routing settings the strategy would ignore, naming the field and the fix", () => {
    const cases: [string, string, RegExp][] = [
      ["m: { deployments: [{ provider: mock, model: echo, weight: 2 }] }", "models.m.deployments[0].weight", /set strategy: weighted/],
      [
        "m: { strategy: cascade, deployments: [{ provider: mock, model: echo }] }",
        "models.m.deployments[0].price",
        /price: \{ input, output \}/,
      ],
      ["m: { hedge: { after_ms: 500 }, deployments: [{ provider: mock, model: echo }] }", "models.m.hedge", /add one or remove hedge/],
      ["m: { fallbacks: [nope], deployments: [{ provider: mock, model: echo }] }", "models.m.fallbacks[0]", /unknown model "nope"/],
      ["m: { fallbacks: [m], deployments: [{ provider: mock, model: echo }] }", "models.m.fallbacks[0]", /itself/],
      ["m: { latency: { explore: 0.1 }, deployments: [{ provider: mock, model: echo }] }", "models.m.latency", /strategy: latency/],
      [
        "m: { strategy: fastest, deployments: [{ provider: mock, model: echo }] }",
        "models.m.strategy",
        /one of "failover", "weighted", "least-busy", "latency", "cascade", "capability"/,
      ],
    ];
    for (const [model, path, message] of cases) {
      const issues = issuesOf(minimal().replace("m: { deployments: [{ provider: mock, model: echo }] }", model));
      assert.ok(
        issues.some((i) => i.path === path && message.test(i.message)),
        `${model}: ${JSON.stringify(issues)}`,
      );
    }
  });
});

describe("policy sections", () => {
  it("reads keys with limits, budgets and guardrails, and teams", () => {
    const config = parseConfig(
      `
providers: {}
models: {}
keys: [{ name: a, key: sk-aaaaaaaa, limits: { rpm: 5 }, budget: { usd: 1 }, expires_at: "2030-01-01T00:00:00Z" }]
teams: { ops: { limits: { tpm: 100 }, budget: { usd: 9, period: week } } }
guardrails: { pii: { mode: block }, deny: ["(?i)secret"] }
`,
      "inline",
    );
    assert.deepEqual(config.keys[0]?.limits, { rpm: 5 });
    assert.deepEqual(config.keys[0]?.budget, { usd: 1, period: "month" });
    assert.equal(config.teams.ops?.budget?.period, "week");
    assert.equal(config.guardrails?.pii?.kinds?.length, 8);
    assert.equal(config.policy.stale_verdict_s, 60);
  });

  it("names a bad pattern, period or limit", () => {
    const problems = (text: string) => {
      try {
        parseConfig(`providers: {}\nmodels: {}\nkeys: []\n${text}`, "inline");
      } catch (error) {
        return (error as ConfigError).issues.map((i) => i.path);
      }
      return [];
    };
    assert.deepEqual(problems(`guardrails: { deny: ["(unclosed"] }`), ["guardrails.deny[0]"]);
    assert.deepEqual(problems(`teams: { t: { budget: { usd: 1, period: year } } }`), ["teams.t.budget.period"]);
    assert.deepEqual(problems(`teams: { t: { limits: { rpm: 0 } } }`), ["teams.t.limits.rpm"]);
  });
});
