import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type FakeOpenAI, type OpenAIDialect, startOpenAIWire } from "@switchyard/fake-upstreams";
import { ADMIN_KEY, eventually, postJson, startTestMesh, type TestMesh, userMessage } from "./harness.js";

/** An OpenAI-shaped upstream whose rate-limit headers (sent with its `echo` answers) the test changes as it goes. */
function limitedDialect(headers: Record<string, string>): OpenAIDialect {
  return {
    authError: () => null,
    modelOf: (_path, body) => String(body.model ?? ""),
    errorBody: (status) => ({ error: { message: `status ${status}`, type: "api_error", param: null, code: null } }),
    contextLength: {
      status: 400,
      body: {
        error: {
          message: "maximum context length exceeded",
          type: "invalid_request_error",
          param: "messages",
          code: "context_length_exceeded",
        },
      },
    },
    rateLimitHeaders: headers,
  };
}

const window = (remaining: number) => ({
  "x-ratelimit-limit-requests": "1000",
  "x-ratelimit-remaining-requests": String(remaining),
  "x-ratelimit-reset-requests": "2m",
});

let first: FakeOpenAI;
let second: FakeOpenAI;
const firstHeaders = window(900);
let t: TestMesh;

before(async () => {
  first = await startOpenAIWire(limitedDialect(firstHeaders));
  second = await startOpenAIWire(limitedDialect(window(900)));
  const dir = mkdtempSync(join(tmpdir(), "switchyard-quota-test-"));
  const config = join(dir, "switchyard.yaml");
  writeFileSync(
    config,
    `
providers:
  qa: { kind: openai, api_base: "${first.url}/v1", api_key: sk-quota-a }
  qb: { kind: openai, api_base: "${second.url}/v1", api_key: sk-quota-b }
models:
  quota:
    deployments:
      - { id: q-first, provider: qa, model: echo }
      - { id: q-second, provider: qb, model: echo }
keys:
  - { name: admin, key: ${ADMIN_KEY}, role: admin }
`,
  );
  t = await startTestMesh({ configPath: config, connectors: [{ group: "openai", providers: ["qa", "qb"] }] });
});
after(async () => {
  await t?.stop();
  await first?.close();
  await second?.close();
});

const ask = async () => {
  const response = await postJson(
    t.url("/v1/chat/completions"),
    { model: "quota", messages: userMessage("quota") },
    { "x-switchyard-cache": "bypass" },
  );
  await response.text();
  return {
    status: response.status,
    deployment: response.headers.get("x-switchyard-deployment"),
    route: response.headers.get("x-switchyard-route") ?? "",
  };
};

describe("quota-aware routing", () => {
  it("uses a deployment while its window has room, then leaves it alone until the reset, without a 429", async () => {
    for (let i = 0; i < 3; i++) assert.equal((await ask()).deployment, "q-first");
    // The provider now says the window is all but spent.
    firstHeaders["x-ratelimit-remaining-requests"] = "4";
    assert.equal((await ask()).deployment, "q-first", "the answer that reports it still comes from q-first");
    const moved = await eventually(async () => {
      const r = await ask();
      return r.deployment === "q-second" ? r : undefined;
    }, "the router to steer away from the spent window");
    assert.match(moved.route, /skipped q-first \(quota spent \d+s\)/);
    const before = first.requests.length;
    for (let i = 0; i < 5; i++) {
      const r = await ask();
      assert.equal(r.status, 200);
      assert.equal(r.deployment, "q-second");
    }
    assert.equal(first.requests.length, before, "nothing more reached the spent deployment");
  });
});
