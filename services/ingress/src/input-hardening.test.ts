import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { parseConfig } from "@switchyard/config";
import { AuthorizeResponseSchema, ErrorClass, FailureSchema, PlanResponseSchema } from "@switchyard/proto";
import { createRegistry } from "@switchyard/telemetry";
import { pino } from "pino";
import { buildApp } from "./app.js";
import { createDecisions, createRoutingState, type MeshClients } from "./mesh/clients.js";
import { MAX_JSON_DEPTH } from "./plugins/json-body.js";

const config = parseConfig(
  `
providers: { mock: { kind: mock } }
models: { m: { deployments: [{ provider: mock, model: echo }] } }
keys: [{ name: dev, key: sk-unit-test-key, role: admin }]
`,
  "unit",
  {},
);

const GOOD_KEY = "sk-unit-test-key";

/** A mesh whose policy knows one key and answers without caching; no connector (a valid body ends in 503). */
function fakeMesh(calls: { authorize: number; published: string[] }): MeshClients {
  return {
    policy: {
      authorize: ({ apiKey }: { apiKey: string }) => {
        calls.authorize += 1;
        if (apiKey === GOOD_KEY) return Promise.resolve(create(AuthorizeResponseSchema, { allowed: true, keyName: "dev", reuseMs: 0 }));
        const failure = create(FailureSchema, {
          code: apiKey ? "invalid_api_key" : "missing_api_key",
          message: "Invalid API key.",
          class: ErrorClass.CLIENT,
        });
        return Promise.resolve(create(AuthorizeResponseSchema, { allowed: false, failure, reuseMs: 0 }));
      },
    },
    router: { plan: () => Promise.resolve(create(PlanResponseSchema, { strategy: "failover", reason: "config order", attempts: [] })) },
    cache: { lookup: () => Promise.resolve(undefined), storeSoon: () => "stored" },
    connectors: { pick: () => undefined, providers: () => [] },
    usage: { publish: (outcome: string) => void calls.published.push(outcome) },
    decisions: createDecisions(),
    routing: createRoutingState(),
    readiness: () => [],
    close: async () => {},
  } as unknown as MeshClients;
}

const calls = { authorize: 0, published: [] as string[] };
const app = buildApp({ config, mesh: fakeMesh(calls), logger: pino({ level: "silent" }), registry: createRegistry("hardening") });
after(() => app.close());

const post = (url: string, payload: string | Buffer | object, key: string | null = GOOD_KEY) =>
  app.inject({
    method: "POST",
    url,
    headers: { "content-type": "application/json", ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    payload: typeof payload === "string" || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });
const errorOf = (response: { json(): unknown }) =>
  (response.json() as { error: { code?: string; type: string; param?: string | null; message: string } }).error;

const chat = (messages: unknown[], extra: Record<string, unknown> = {}) => ({ model: "m", messages, ...extra });

describe("the key is checked before the body", () => {
  const routes = ["/v1/chat/completions", "/v1/embeddings", "/v1/responses", "/v1/messages"];

  it("answers 401 to a caller with no or a wrong key, whatever the body, and records it", async () => {
    for (const url of routes) {
      for (const key of [null, "sk-wrong-0000"]) {
        calls.published.length = 0;
        const response = await post(url, { model: 7, messages: "not an array", input: {} }, key);
        assert.equal(response.statusCode, 401, `${url} with ${key ?? "no key"}: ${response.body}`);
        assert.doesNotMatch(response.body, /messages|input|max_tokens/, "no schema detail in the answer");
        assert.deepEqual(calls.published, ["rejected"]);
      }
    }
  });

  it("names the field for a caller with a valid key, and asks policy once per request", async () => {
    const before = calls.authorize;
    const bad = await post("/v1/chat/completions", chat([{ role: "user", content: "hi" }], { temperature: "hot" }));
    assert.equal(bad.statusCode, 400);
    assert.equal(errorOf(bad).param, "temperature");
    const good = await post("/v1/chat/completions", chat([{ role: "user", content: "hi" }]));
    assert.equal(good.statusCode, 503, "valid, and no deployment to serve it");
    assert.equal(calls.authorize - before, 2, "one policy call for each of the two requests");
  });
});

describe("nested shapes of the chat request", () => {
  const param = async (body: object) => {
    const response = await post("/v1/chat/completions", body);
    assert.equal(response.statusCode, 400, JSON.stringify(body));
    return errorOf(response).param;
  };

  it("refuses content parts of an unknown type or missing their fields", async () => {
    assert.equal(await param(chat([{ role: "user", content: [{ type: "text" }] }])), "messages[0].content[0].text");
    assert.equal(await param(chat([{ role: "user", content: [{ type: "video", url: "x" }] }])), "messages[0].content[0].type");
    assert.equal(await param(chat([{ role: "user", content: [{ text: "hi" }] }])), "messages[0].content[0].type");
    assert.equal(await param(chat([{ role: "user", content: [{ type: "image_url" }] }])), "messages[0].content[0].image_url");
    assert.equal(
      await param(chat([{ role: "user", content: [{ type: "image_url", image_url: { url: "" } }] }])),
      "messages[0].content[0].image_url.url",
    );
    assert.equal(
      await param(chat([{ role: "system", content: [{ type: "image_url", image_url: { url: "https://x" } }] }])),
      "messages[0].content[0].type",
    );
    assert.equal(
      await param(
        chat([
          { role: "user", content: "hi" },
          { role: "user", content: ["hi"] },
        ]),
      ),
      "messages[1].content[0]",
    );
  });

  it("requires what each role needs", async () => {
    const message = errorOf(await post("/v1/chat/completions", chat([{ role: "tool", content: "42" }])));
    assert.equal(message.param, "messages[0].tool_call_id");
    assert.equal(message.message, "Missing required parameter: 'messages[0].tool_call_id'.");
    assert.equal(await param(chat([{ role: "user" }])), "messages[0].content");
    assert.equal(await param(chat([{ role: "function", content: "x" }])), "messages[0].name");
    assert.equal(await param(chat([{ role: "robot", content: "x" }])), "messages[0].role");
    assert.equal(await param(chat([{ content: "x" }])), "messages[0].role");
    assert.equal(
      await param(chat([{ role: "assistant", content: null, tool_calls: [{ id: "c", type: "function" }] }])),
      "messages[0].tool_calls[0].function",
    );
  });

  it("refuses tool definitions without their function and unknown tool types", async () => {
    const user = [{ role: "user", content: "hi" }];
    assert.equal(await param(chat(user, { tools: [{ type: "function" }] })), "tools[0].function");
    assert.equal(
      await param(chat(user, { tools: [{ type: "function", function: { description: "no name" } }] })),
      "tools[0].function.name",
    );
    assert.equal(await param(chat(user, { tools: [{ type: "web_search" }] })), "tools[0].type");
    assert.equal(await param(chat(user, { tools: [{ function: { name: "f" } }] })), "tools[0].type");
    assert.equal(await param(chat(user, { response_format: { type: "json_schema" } })), "response_format.json_schema");
  });

  it("accepts what OpenAI documents, vendor fields included", async () => {
    const body = chat(
      [
        { role: "developer", content: [{ type: "text", text: "be brief" }] },
        {
          role: "user",
          content: [
            { type: "text", text: "hi" },
            { type: "image_url", image_url: { url: "https://x/y.png", detail: "low" } },
            { type: "input_audio", input_audio: { data: "AAA", format: "wav" } },
            { type: "file", file: { file_id: "f" } },
          ],
        },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: [{ type: "text", text: "ok" }] },
        { role: "assistant", content: [{ type: "refusal", refusal: "no" }] },
      ],
      {
        tools: [
          { type: "function", function: { name: "f" } },
          { type: "custom", custom: { name: "g" } },
        ],
        vendor_extra: { deep: [1, { x: true }] },
      },
    );
    const response = await post("/v1/chat/completions", body);
    assert.equal(response.statusCode, 503, response.body);
  });
});

describe("bodies that are not clean JSON", () => {
  it("refuses invalid UTF-8 instead of replacing it", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"model":"m","messages":[{"role":"user","content":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}]}'),
    ]);
    for (const url of ["/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/embeddings"]) {
      const response = await post(url, bytes);
      assert.equal(response.statusCode, 400, url);
      assert.match(response.body, /UTF-8/);
    }
    const fine = await post("/v1/chat/completions", Buffer.from(JSON.stringify(chat([{ role: "user", content: "héllo 👋" }]))));
    assert.equal(fine.statusCode, 503, "valid UTF-8 is served");
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels, in vendor fields too`, async () => {
    const nest = (depth: number): unknown => (depth === 0 ? 1 : [nest(depth - 1)]);
    const deep = await post("/v1/chat/completions", chat([{ role: "user", content: "hi" }], { vendor: nest(MAX_JSON_DEPTH) }));
    assert.equal(deep.statusCode, 400);
    assert.match(errorOf(deep).message, /deeper than 64/);
    const veryDeep = await post(
      "/v1/messages",
      `{"model":"m","max_tokens":1,"messages":[],"x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
    );
    assert.equal(veryDeep.statusCode, 400);
    const atLimit = await post("/v1/chat/completions", chat([{ role: "user", content: "hi" }], { vendor: nest(MAX_JSON_DEPTH - 2) }));
    assert.equal(atLimit.statusCode, 503, "64 levels, the body's own included, are accepted");
  });

  it("refuses prototype-pollution keys", async () => {
    const proto = await post(
      "/v1/chat/completions",
      '{"model":"m","messages":[{"role":"user","content":"hi"}],"__proto__":{"admin":true}}',
    );
    assert.equal(proto.statusCode, 400);
    assert.equal(errorOf(proto).code, "invalid_json");
    const ctor = await post("/v1/responses", '{"model":"m","input":"hi","constructor":{"prototype":{"admin":true}}}');
    assert.equal(ctor.statusCode, 400);
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });
});
