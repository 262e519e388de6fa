import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig, sha256Hex } from "@switchyard/config";
import { useTestRedis } from "@switchyard/mesh/testing";
import { AdminOperations } from "./admin.js";
import { Authorizer, ConfigRules, mask } from "./authorizer.js";
import { expandModels, modelAllowed } from "./model-patterns.js";
import { SpendReport } from "./spend-report.js";
import { PolicyStore } from "./store.js";

const redisServer = useTestRedis();

const config = parseConfig(
  `
providers: { mock: { kind: mock } }
models:
  m: { deployments: [{ provider: mock, model: echo }], limits: { rpm: 100 } }
  gpt-a: { deployments: [{ provider: mock, model: echo }] }
  gpt-b: { deployments: [{ provider: mock, model: echo }] }
keys:
  - { name: admin, key: sk-admin-123456, role: admin }
  - { name: narrow, key: sk-narrow-123456, models: [m], team: research, limits: { rpm: 10, tpm: 1000 }, metadata_limits: { user: { rpm: 2 } } }
  - { name: globbed, key: sk-globbed-123456, models: ["gpt-*"], budget: { usd: 5, period: day }, guardrails: { deny: ["secret"] } }
  - { name: old, key: sk-old-12345678, expires_at: "2020-01-01T00:00:00Z" }
teams:
  research: { limits: { rpm: 50 }, budget: { usd: 100 }, guardrails: { pii: { mode: block } } }
guardrails: { pii: { mode: redact }, deny: ["(?i)ignore previous"] }
`,
  "inline",
);

describe("Authorizer with the config file's keys", () => {
  const authorizer = new Authorizer(() => new ConfigRules(config), undefined);

  it("returns the principal of a known key", async () => {
    const answer = await authorizer.authorize("sk-admin-123456", "anything");
    assert.equal(answer.allowed, true);
    assert.deepEqual([answer.keyName, answer.role, answer.team, answer.allowedModels], ["admin", "admin", "", []]);
  });

  it("refuses a missing, unknown or expired key", async () => {
    assert.equal((await authorizer.authorize("", "m")).failure?.code, "missing_api_key");
    const unknown = await authorizer.authorize("sk-wrong-abcdef9999", "m");
    assert.equal(unknown.failure?.code, "invalid_api_key");
    assert.ok(!unknown.failure?.message.includes("sk-wrong-abcdef9999"));
    assert.match(unknown.failure?.message ?? "", /sk-\*\*\*\*9999/);
    assert.match((await authorizer.authorize("sk-old-12345678", "m")).failure?.message ?? "", /expired/);
  });

  it("limits a key to its models, names and globs alike", async () => {
    assert.equal((await authorizer.authorize("sk-narrow-123456", "other")).failure?.code, "model_not_allowed");
    const globbed = await authorizer.authorize("sk-globbed-123456", "gpt-b");
    assert.equal(globbed.allowed, true);
    assert.deepEqual(globbed.allowedModels, ["gpt-a", "gpt-b"]);
    assert.equal((await authorizer.authorize("sk-globbed-123456", "m")).failure?.param, "model");
  });

  it("hands out the key's, its team's, its metadata's and the model's limits and budgets", async () => {
    const answer = await authorizer.authorize("sk-narrow-123456", "m");
    assert.deepEqual(
      answer.limits.map((l) => [l.scope, l.rpm, l.tpm, l.metadataField]),
      [
        ["key:narrow", 10, 1000, ""],
        ["key:narrow:meta:user", 2, 0, "user"],
        ["team:research", 50, 0, ""],
        ["model:m", 100, 0, ""],
      ],
    );
    assert.deepEqual(
      answer.budgets.map((b) => [b.scope, b.usd, b.period]),
      [["team:research", 100, "month"]],
    );
    assert.deepEqual(JSON.parse(answer.guardrailsJson), {
      pii: { mode: "block", kinds: config.teams.research?.guardrails?.pii?.kinds },
      deny: ["(?i)ignore previous"],
    });
  });

  it("replaces global guardrails section by section with the key's", async () => {
    const answer = await authorizer.authorize("sk-globbed-123456", "gpt-a");
    const rules = JSON.parse(answer.guardrailsJson);
    assert.deepEqual(rules.deny, ["secret"]);
    assert.equal(rules.pii.mode, "redact");
    assert.deepEqual(
      answer.budgets.map((b) => [b.scope, b.usd, b.period]),
      [["key:globbed", 5, "day"]],
    );
  });

  it("masks short keys entirely", () => {
    assert.equal(mask("abc"), "****");
  });
});

describe("model patterns", () => {
  it("matches globs whole", () => {
    assert.ok(modelAllowed(["gpt-*"], "gpt-4o"));
    assert.ok(!modelAllowed(["gpt-*"], "my-gpt-4o"));
    assert.ok(modelAllowed(["gpt-4?"], "gpt-4o"));
    assert.ok(!modelAllowed(["gpt.4o"], "gpt-4o"), "a dot is a dot");
    assert.ok(modelAllowed([], "anything"));
    assert.deepEqual(expandModels(["x-*"], ["a", "b"]), ["x-*"], "patterns matching nothing still restrict");
  });
});

describe("keys and teams through the admin operations", () => {
  it("creates, finds, rotates and revokes a key, storing only its digest", async () => {
    const redis = redisServer.client;
    const store = new PolicyStore(redis, "t1:");
    let changes = 0;
    const admin = new AdminOperations(
      () => new ConfigRules(config),
      store,
      new SpendReport(redis, "t1:"),
      () => changes++,
    );
    const authorizer = new Authorizer(() => new ConfigRules(config), store);

    const created = await admin.run("keys.create", "", { name: "app", team: "research", models: ["m"], limits: { rpm: 5 } }, "admin");
    assert.equal(created.status, 201);
    const { id, key } = created.body as { id: string; key: string };
    assert.match(key, /^sk-sy-/);
    const stored = JSON.stringify(await redis.hgetall("t1:{policy}:keys"));
    assert.ok(!stored.includes(key), "the secret is not stored");
    assert.ok(stored.includes(sha256Hex(key)));
    assert.equal((await authorizer.authorize(key, "m")).keyName, "app");

    const listed = JSON.stringify((await admin.run("keys.list", "", {}, "admin")).body);
    assert.ok(
      !listed.includes(key) && !listed.includes(sha256Hex(key)) && !listed.includes(config.keys[0]!.key_sha256),
      "no secret nor digest listed",
    );
    assert.match(listed, /"id":"config:admin"/);

    await assert.rejects(admin.run("keys.create", "", { name: "app" }, "admin"), /exists already/);
    await assert.rejects(admin.run("keys.create", "", { name: "narrow" }, "admin"), /exists already/);

    const rotated = (await admin.run("keys.rotate", id, {}, "admin")).body as { key: string };
    assert.equal((await authorizer.authorize(key, "m")).failure?.code, "invalid_api_key", "the old secret stops working");
    assert.equal((await authorizer.authorize(rotated.key, "m")).allowed, true);

    const patched = (await admin.run("keys.update", id, { limits: { rpm: 7 }, models: null }, "admin")).body as {
      limits: unknown;
      models?: unknown;
    };
    assert.deepEqual(patched.limits, { rpm: 7 });
    assert.equal(patched.models, undefined);

    const revoked = (await admin.run("keys.revoke", id, {}, "admin")).body as { status: string };
    assert.equal(revoked.status, "revoked");
    assert.equal((await authorizer.authorize(rotated.key, "m")).failure?.code, "invalid_api_key");
    assert.equal(((await admin.run("keys.get", id, {}, "admin")).body as { status: string }).status, "revoked");
    await assert.rejects(admin.run("keys.revoke", "config:admin", {}, "admin"), /config file/);
    await assert.rejects(admin.run("keys.get", "key_missing", {}, "admin"), /No key/);
    assert.equal(changes, 4);
  });

  it("keeps teams, whose limits apply to their keys", async () => {
    const redis = redisServer.client;
    const store = new PolicyStore(redis, "t2:");
    const admin = new AdminOperations(
      () => new ConfigRules(config),
      store,
      new SpendReport(redis, "t2:"),
      () => {},
    );
    const authorizer = new Authorizer(() => new ConfigRules(config), store);
    assert.equal(
      (await admin.run("teams.create", "", { name: "ops", limits: { rpm: 3 }, budget: { usd: 1, period: "week" } }, "admin")).status,
      201,
    );
    await assert.rejects(admin.run("teams.create", "", { name: "ops" }, "admin"), /exists already/);
    await assert.rejects(admin.run("teams.update", "research", { limits: { rpm: 1 } }, "admin"), /config file/);
    const { key } = (await admin.run("keys.create", "", { name: "opsy", team: "ops" }, "admin")).body as { key: string };
    const answer = await authorizer.authorize(key, "m");
    assert.deepEqual(
      answer.limits.map((l) => [l.scope, l.rpm]),
      [
        ["team:ops", 3],
        ["model:m", 100],
      ],
    );
    assert.deepEqual(await redis.hget("t2:{policy}:budgets", "team:ops"), JSON.stringify({ usd: 1, period: "week" }));
    assert.equal(((await admin.run("teams.list", "", {}, "admin")).body as { data: unknown[] }).data.length, 2);
    assert.equal((await admin.run("teams.delete", "ops", {}, "admin")).status, 200);
    assert.equal(await redis.hget("t2:{policy}:budgets", "team:ops"), null);
  });
});
