import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { ADMIN_KEY, startTestMesh, type TestMesh, userMessage } from "./harness.js";

/*
 * Hostile bodies at every route of the real mesh: whatever arrives, the ingress answers 2xx or
 * 4xx (never 5xx) and keeps serving. Bounded: a few hundred cases, one at a time. The seed is
 * printed; FUZZ_SEED=<n> replays a run, FUZZ_RUNS=<n> changes its length.
 */

let t: TestMesh;
before(async () => {
  t = await startTestMesh({ connectors: [{ provider: "mock" }] });
});
after(async () => {
  await t?.stop();
});

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** A valid body for each route: the fuzzer breaks it at one path, or replaces it whole. */
const VALID: Record<string, unknown> = {
  "/v1/chat/completions": {
    model: "mock-echo",
    messages: [
      { role: "system", content: "be brief" },
      {
        role: "user",
        content: [
          { type: "text", text: "hello" },
          { type: "image_url", image_url: { url: "https://x/y.png" } },
        ],
      },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c1", content: "ok" },
      { role: "user", content: "hello" },
    ],
    tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
    temperature: 0.5,
    max_tokens: 16,
    stream: false,
  },
  "/v1/embeddings": { model: "mock-embed", input: ["a", "b"], encoding_format: "float" },
  "/v1/responses": {
    model: "mock-echo",
    instructions: "be brief",
    input: [
      { role: "user", content: [{ type: "input_text", text: "hello" }] },
      { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
      { type: "function_call_output", call_id: "c1", output: "ok" },
    ],
    tools: [{ type: "function", name: "f", parameters: { type: "object" } }],
    text: { format: { type: "text" } },
    max_output_tokens: 16,
  },
  "/v1/messages": {
    model: "mock-echo",
    max_tokens: 16,
    system: [{ type: "text", text: "be brief" }],
    messages: [
      { role: "user", content: [{ type: "text", text: "hello" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "ok" }] },
    ],
    tools: [{ name: "f", input_schema: { type: "object" } }],
  },
  "/admin/keys": { name: "fuzzed", role: "user", models: ["mock-*"], limits: { rpm: 60 }, budget: { usd: 5, period: "day" } },
  "/admin/teams": { name: "fuzzed-team", limits: { rpm: 600 }, budget: { usd: 50, period: "month" } },
};
const POST_ROUTES = Object.keys(VALID);
const GET_ROUTES = [
  "/v1/models",
  "/v1/models/mock-echo",
  "/healthz",
  "/admin/keys",
  "/admin/teams",
  "/admin/spend?group_by=model",
  "/admin/logs?limit=5",
  "/v1/spend",
  "/v1/logs",
];

const nest = (depth: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? { k: value } : [value];
  return value;
};

/** Values no field expects: wrong types, edges of numbers and strings, deep nesting. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, false, 0, -1, -0, 1.5, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 5e-324, "", [], {}, [null], { type: null }),
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.string({ unit: "grapheme", maxLength: 64 }),
  fc.constantFrom("\u0000", "\ud800", "\udfff", "\u202e", "\ufeff", "\uffff", "💥".repeat(100), "a".repeat(70_000)),
  fc.constantFrom(
    "text",
    "image",
    "tool_use",
    "tool_result",
    "function",
    "input_text",
    "message",
    "user",
    "assistant",
    "tool",
    "system",
    "developer",
    "mock-echo",
    "mock-embed",
  ),
  fc.integer({ min: 1, max: 300 }).map((depth) => nest(depth, "x")),
);

/** A path into `value` (an array index or an object key at each step), stopping anywhere. */
function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

function setAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  copy[head] = setAt(copy[head], rest, replacement);
  return copy;
}

/** Text to splice into a JSON body: prototype keys and odd numbers JSON.stringify cannot produce. */
const rawFragment = fc.constantFrom(
  '"__proto__":{"polluted":true}',
  '"constructor":{"prototype":{"polluted":true}}',
  '"__proto__":null',
  '"n":1e400',
  '"n":-1e400',
  '"n":123456789012345678901234567890',
  '"n":1e-400',
  `"deep":${"[".repeat(5000)}${"]".repeat(5000)}`,
  `"deep":${'{"a":'.repeat(3000)}1${"}".repeat(3000)}`,
);

const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf]];

type Case = { method: "GET" | "POST"; route: string; body?: Buffer; key: string | null; contentType: string; cache: string };

const bodyFor = (route: string): fc.Arbitrary<Buffer> => {
  const valid = VALID[route];
  const paths = pathsOf(valid);
  const mutated = fc
    .tuple(fc.constantFrom(...paths), hostileValue, fc.boolean())
    .map(([path, value, stream]) => JSON.stringify(setAt(stream ? { ...(valid as object), stream: true } : valid, path, value)));
  const text = fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null") },
    {
      weight: 1,
      arbitrary: fc
        .tuple(mutated, rawFragment)
        .map(([json, fragment]) => (json.startsWith("{") && json !== "{}" ? `{${fragment},${json.slice(1)}` : json)),
    },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
  );
  return fc.oneof(
    { weight: 8, arbitrary: text.map((s) => Buffer.from(s, "utf8")) },
    {
      weight: 2,
      arbitrary: fc.tuple(mutated, fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([json, at, bytes]) => {
        const buffer = Buffer.from(json, "utf8");
        const cut = at % (buffer.length + 1);
        return Buffer.concat([buffer.subarray(0, cut), Buffer.from(bytes), buffer.subarray(cut)]);
      }),
    },
  );
};

const aCase: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.constantFrom(...POST_ROUTES).chain((route) =>
      fc.record({
        method: fc.constant("POST" as const),
        route: fc.constant(route),
        body: bodyFor(route),
        key: fc.oneof(
          { weight: 8, arbitrary: fc.constant(ADMIN_KEY) },
          { weight: 1, arbitrary: fc.constantFrom(null, "sk-nobody-1234", "\u00e9", "x".repeat(5000)) },
        ),
        contentType: fc.oneof(
          { weight: 9, arbitrary: fc.constant("application/json") },
          { weight: 1, arbitrary: fc.constantFrom("application/json; charset=latin1", "text/plain", "application/json; charset=utf-8") },
        ),
        cache: fc.constantFrom("use", "bypass", "refresh", "bogus"),
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      method: fc.constant("GET" as const),
      route: fc.oneof(
        fc.constantFrom(...GET_ROUTES),
        fc.string({ unit: "grapheme-ascii", maxLength: 40 }).map((id) => `/v1/models/${encodeURIComponent(id)}`),
      ),
      key: fc.constantFrom(ADMIN_KEY, null, "sk-nobody-1234"),
      contentType: fc.constant("application/json"),
      cache: fc.constant("use"),
    }),
  },
);

async function send(c: Case): Promise<number> {
  const headers: Record<string, string> = { "content-type": c.contentType, "x-switchyard-cache": c.cache };
  if (c.key !== null) headers.authorization = `Bearer ${c.key}`;
  const response = await fetch(t.url(c.route), { method: c.method, headers, ...(c.body ? { body: c.body } : {}) });
  await response.arrayBuffer(); // the whole answer, streams included
  return response.status;
}

describe("fuzzing every route with hostile input", () => {
  it(`never answers 5xx (seed ${SEED}, ${RUNS} cases)`, async (ctx) => {
    ctx.diagnostic(`fast-check seed ${SEED}: replay with FUZZ_SEED=${SEED}`);
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(aCase, async (c) => {
        const status = await send(c);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        assert.ok(status >= 200 && status < 500, `${c.method} ${c.route} answered ${status}`);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    ctx.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    assert.ok(
      [...statuses.keys()].some((s) => s === 200),
      "some cases were served",
    );
    assert.ok(
      [...statuses.keys()].some((s) => s === 400),
      "some cases were refused",
    );
  });

  it("still serves a normal request afterwards", async () => {
    const response = await fetch(t.url("/v1/chat/completions"), {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-echo", messages: userMessage("still here") }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    assert.equal(body.choices[0]?.message.content, "still here");
  });
});
