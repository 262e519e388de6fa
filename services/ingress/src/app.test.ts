import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { parseConfig, readEnv } from "@switchyard/config";
import { AdminResponseSchema, AuthorizeResponseSchema, PlanResponseSchema } from "@switchyard/proto";
import { createRegistry } from "@switchyard/telemetry";
import { pino } from "pino";
import { buildApp } from "./app.js";
import { createDecisions, createRoutingState, type MeshClients } from "./mesh/clients.js";
import { startIngressOps } from "./ops.js";

const config = parseConfig(
  `
providers: { mock: { kind: mock } }
models: { m: { deployments: [{ provider: mock, model: echo }] } }
keys: [{ name: dev, key: sk-unit-test-key, role: admin }]
limits: { max_request_bytes: 2048 }
`,
  "unit",
  {},
);

const unavailable = () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: 14 }));

/** A mesh whose control services are down and which has no connector at all. */
function deadMesh(published: string[]): MeshClients {
  return {
    policy: { authorize: unavailable },
    router: {
      plan: () => Promise.resolve(create(PlanResponseSchema, { strategy: "failover", reason: "config order", attempts: [] })),
      listModels: unavailable,
    },
    cache: { lookup: unavailable, storeSoon: () => "stored" },
    connectors: { pick: () => undefined, providers: () => [] },
    usage: { publish: (outcome: string) => void published.push(outcome) },
    decisions: createDecisions(),
    routing: createRoutingState(),
    readiness: () => ["policy unreachable"],
    close: async () => {},
  } as unknown as MeshClients;
}

describe("ingress with its dependencies down", () => {
  const published: string[] = [];
  const app = buildApp({ config, mesh: deadMesh(published), logger: pino({ level: "silent" }), registry: createRegistry("unit") });
  after(() => app.close());
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: "POST",
      url: "/v1/chat/completions",
      headers: { authorization: "Bearer sk-unit-test-key", "content-type": "application/json", ...headers },
      payload: typeof payload === "string" ? payload : JSON.stringify(payload),
    });

  it("answers 503 with retry-after when policy is unreachable, and still publishes the usage event", async () => {
    const response = await post({ model: "m", messages: [{ role: "user", content: "hi" }] });
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers["retry-after"], "1");
    const body = response.json() as { error: { code: string; type: string } };
    assert.equal(body.error.code, "service_unavailable");
    assert.deepEqual(published, ["failed"]);
  });

  it("serves only /healthz on the public port; readiness and metrics are on the ops port", async () => {
    assert.equal((await app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
    for (const url of ["/readyz", "/metrics"]) assert.equal((await app.inject({ method: "GET", url })).statusCode, 404, url);
    const ops = await startIngressOps({ ...readEnv({}), OPS_PORT: "0" }, deadMesh([]), createRegistry("unit-ops"));
    after(() => ops.close());
    const response = await fetch(`http://127.0.0.1:${ops.port}/readyz`);
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), { status: "unready", problems: ["policy unreachable"], connectors: [] });
    assert.equal((await fetch(`http://127.0.0.1:${ops.port}/metrics`)).status, 200);
  });

  it("answers 503, not a validation error, to a body it cannot check the key of", async () => {
    const response = await post({ model: "m", messages: [{ role: "user", content: "hi" }], n: 1.5 });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().error.code, "service_unavailable");
  });

  it("refuses a body that is not valid UTF-8 instead of serving a repaired copy", async () => {
    const body = Buffer.concat([
      Buffer.from('{"model":"m","messages":[{"role":"user","content":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}]}'),
    ]);
    const response = await app.inject({
      method: "POST",
      url: "/v1/chat/completions",
      headers: { authorization: "Bearer sk-unit-test-key", "content-type": "application/json" },
      payload: body,
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error.code, "invalid_json");
    assert.match(response.json().error.message, /UTF-8/);
  });

  it("answers 413 and 415 in the OpenAI shape", async () => {
    const big = await post({ model: "m", messages: [{ role: "user", content: "x".repeat(4096) }] });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, "request_too_large");
    const text = await post("hello", { "content-type": "text/plain" });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().error.code, "unsupported_media_type");
  });

  it("answers Anthropic-shaped errors on /v1/messages", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: { "x-api-key": "sk-unit-test-key", "content-type": "application/json" },
      payload: "{not json",
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().type, "error");
    assert.equal(response.json().error.type, "invalid_request_error");
    assert.ok(response.headers["request-id"]);
  });
});

describe("ingress with no connector for the model", () => {
  const published: string[] = [];
  const mesh = deadMesh(published);
  mesh.policy = {
    authorize: () => Promise.resolve(create(AuthorizeResponseSchema, { allowed: true, keyName: "dev", reuseMs: 1000 })),
  } as unknown as MeshClients["policy"];
  mesh.router = {
    plan: () =>
      Promise.resolve(
        create(PlanResponseSchema, {
          strategy: "failover",
          reason: "config order",
          attempts: [{ id: "mock/echo", provider: "mock", model: "echo" }],
        }),
      ),
  } as unknown as MeshClients["router"];
  const app = buildApp({ config, mesh, logger: pino({ level: "silent" }), registry: createRegistry("unit2") });
  after(() => app.close());

  it("answers 503 no_deployment_available, names the attempt, and never hangs", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/chat/completions",
      headers: { authorization: "Bearer sk-unit-test-key", "content-type": "application/json" },
      payload: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers["x-switchyard-attempts"], "mock/echo:0");
    assert.equal(response.json().error.code, "no_deployment_available");
    assert.deepEqual(published, ["failed"]);
  });

  it("validates a known caller's body before calling anything else: 400s name the field", async () => {
    const post = (payload: string) =>
      app.inject({
        method: "POST",
        url: "/v1/chat/completions",
        headers: { authorization: "Bearer sk-unit-test-key", "content-type": "application/json" },
        payload,
      });
    const response = await post(JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], n: 1.5 }));
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error.param, "n");
    const notObject = await post("[1,2]");
    assert.equal(notObject.statusCode, 400);
    assert.equal(notObject.json().error.code, "invalid_json");
  });
});

describe("ingress metrics", () => {
  /** A metric's value in the registry's text output (labels, such as the service's, ignored). */
  const metricValue = async (registry: ReturnType<typeof createRegistry>, name: string) =>
    new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(await registry.metrics())?.[1];

  it("reports the cache index's size and whether lookups trust it", async () => {
    const registry = createRegistry("unit3");
    const mesh = deadMesh([]);
    const index = { size: 42, isSynced: true };
    mesh.cacheIndex = index;
    const app = buildApp({ config, mesh, logger: pino({ level: "silent" }), registry });
    after(() => app.close());
    assert.equal(await metricValue(registry, "switchyard_cache_index_entries"), "42");
    assert.equal(await metricValue(registry, "switchyard_cache_index_synced"), "1");
    Object.assign(index, { size: 7, isSynced: false });
    assert.equal(await metricValue(registry, "switchyard_cache_index_entries"), "7");
    assert.equal(await metricValue(registry, "switchyard_cache_index_synced"), "0");
  });

  it("has no cache index metrics when the index is off", async () => {
    const registry = createRegistry("unit4");
    const app = buildApp({ config, mesh: deadMesh([]), logger: pino({ level: "silent" }), registry });
    after(() => app.close());
    assert.doesNotMatch(await registry.metrics(), /switchyard_cache_index/);
    assert.equal(await metricValue(registry, "switchyard_cache_index_entries"), undefined);
  });
});

describe("admin API", () => {
  const adminCalls: { operation: string; id: string; bodyJson: string }[] = [];
  const mesh = {
    ...deadMesh([]),
    policy: {
      authorize: async ({ apiKey }: { apiKey: string }) =>
        apiKey === "sk-admin-key"
          ? create(AuthorizeResponseSchema, { allowed: true, keyName: "root", role: "admin", reuseMs: 1000 })
          : apiKey === "sk-user-key"
            ? create(AuthorizeResponseSchema, { allowed: true, keyName: "app", role: "user", reuseMs: 1000 })
            : create(AuthorizeResponseSchema, {
                allowed: false,
                failure: { code: apiKey ? "invalid_api_key" : "missing_api_key", message: "no" },
              }),
      admin: async (request: { operation: string; id: string; bodyJson: string }) => {
        adminCalls.push(request);
        const view = {
          id: "key_1",
          object: "key",
          name: "new",
          source: "api",
          status: "active",
          role: "user",
          team: "",
          models: [],
          digest: "ab12",
          key: "sk-sy-secret",
        };
        return create(AdminResponseSchema, { status: request.operation === "keys.create" ? 201 : 200, bodyJson: JSON.stringify(view) });
      },
    },
  } as unknown as MeshClients;
  const app = buildApp({ config, mesh, logger: pino({ level: "silent" }), registry: createRegistry("unit-admin") });
  after(() => app.close());
  const call = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, key?: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(payload ? { "content-type": "application/json" } : {}) },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });
  const routes: ["GET" | "POST" | "PATCH" | "DELETE", string][] = [
    ["POST", "/admin/keys"],
    ["GET", "/admin/keys"],
    ["GET", "/admin/keys/key_1"],
    ["PATCH", "/admin/keys/key_1"],
    ["DELETE", "/admin/keys/key_1"],
    ["POST", "/admin/keys/key_1/rotate"],
    ["POST", "/admin/teams"],
    ["GET", "/admin/teams"],
    ["GET", "/admin/teams/ops"],
    ["PATCH", "/admin/teams/ops"],
    ["DELETE", "/admin/teams/ops"],
    ["GET", "/admin/spend"],
    ["GET", "/admin/logs"],
  ];

  it("refuses every /admin route without a key (401) and to a user key (403)", async () => {
    for (const [method, url] of routes) {
      assert.equal((await call(method, url)).statusCode, 401, `${method} ${url} without a key`);
      const user = await call(method, url, "sk-user-key", method === "POST" || method === "PATCH" ? { name: "x" } : undefined);
      assert.equal(user.statusCode, 403, `${method} ${url} with a user key`);
      assert.equal(user.json().error.code, "forbidden");
    }
    assert.equal(adminCalls.length, 0, "policy was never asked to act");
  });

  it("validates bodies strictly, naming the field", async () => {
    const bad = [
      [{ name: "x", limits: { rpm: "ten" } }, "limits.rpm"],
      [{ name: "x", colour: "red" }, "colour"],
      [{ role: "admin" }, "name"],
      [{ name: "x", budget: { usd: 5, period: "year" } }, "budget.period"],
      [{ name: "x", guardrails: { deny: ["(unclosed"] } }, "guardrails.deny[0]"],
    ] as const;
    for (const [payload, param] of bad) {
      const response = await call("POST", "/admin/keys", "sk-admin-key", payload);
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(response.json().error.param, param, JSON.stringify(response.json()));
    }
    assert.equal((await call("GET", "/admin/spend?group_by=colour", "sk-admin-key")).json().error.param, "group_by");
  });

  it("passes a valid request to policy and answers with only the fields its schema names", async () => {
    const response = await call("POST", "/admin/keys", "sk-admin-key", { name: "new", limits: { rpm: 10 } });
    assert.equal(response.statusCode, 201);
    assert.equal(response.json().key, "sk-sy-secret", "a new key's secret is shown once");
    assert.equal(response.json().digest, undefined, "a field outside the schema never leaves");
    assert.deepEqual(adminCalls.at(-1), {
      ...adminCalls.at(-1),
      operation: "keys.create",
      bodyJson: JSON.stringify({ name: "new", limits: { rpm: 10 } }),
    });
    const listed = await call("GET", "/admin/keys/key_1", "sk-admin-key");
    assert.equal(listed.json().key, undefined, "a read never shows a secret");
  });
});
