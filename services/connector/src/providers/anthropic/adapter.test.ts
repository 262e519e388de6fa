import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ProviderConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { collect, type FakeUpstream, startFakeAnthropic, testCall } from "@switchyard/fake-upstreams";
import type { ChatRequestJson, JsonObject, ProviderAdapter } from "../types.js";
import { createAnthropicAdapter } from "./index.js";
import { DEFAULT_MAX_TOKENS } from "./request.js";

// What the conformance suite does not check: Anthropic's own headers, fields and answers.
describe("anthropic adapter against the fake Messages API", () => {
  let fake: FakeUpstream;
  let adapter: ProviderAdapter;
  const config = (extra: Partial<ProviderConfig> = {}) =>
    ({ kind: "anthropic", name: "claude-direct", api_key: "test-key", api_base: fake.url, enabled: true, ...extra }) as ProviderConfig;

  before(async () => {
    fake = await startFakeAnthropic({ apiKey: "test-key" });
    adapter = createAnthropicAdapter(config());
  });
  after(async () => {
    await adapter.close?.();
    await fake.close();
  });

  const request = (extra: JsonObject = {}): ChatRequestJson => ({
    model: "claude-public",
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is the capital of France?" },
    ],
    ...extra,
  });

  const failure = async (promise: Promise<unknown>): Promise<GatewayError> => {
    const error = await promise.then(
      () => assert.fail("the call succeeded"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof GatewayError, String(error));
    return error;
  };

  it("posts to /v1/messages with x-api-key, anthropic-version and a Messages body", async () => {
    await adapter.chat(request({ temperature: 0.5, stop: "END", presence_penalty: 1 }), testCall("echo"));
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.method, "POST");
    assert.equal(sent.path, "/v1/messages");
    assert.equal(sent.headers["x-api-key"], "test-key");
    assert.equal(sent.headers["anthropic-version"], "2023-06-01");
    assert.equal(sent.headers.authorization, undefined);
    assert.deepEqual(sent.body, {
      model: "echo",
      max_tokens: DEFAULT_MAX_TOKENS,
      messages: [{ role: "user", content: "What is the capital of France?" }],
      system: "Be brief.",
      temperature: 0.5,
      stop_sequences: ["END"],
    });
  });

  it("sends the configured version and static headers", async () => {
    const custom = createAnthropicAdapter(
      config({
        anthropic_version: "2023-01-01",
        headers: { "anthropic-beta": "fine-grained-tool-streaming-2025-05-14" },
      } as Partial<ProviderConfig>),
    );
    try {
      await custom.chat(request(), testCall("echo"));
    } finally {
      await custom.close?.();
    }
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.headers["anthropic-version"], "2023-01-01");
    assert.equal(sent.headers["anthropic-beta"], "fine-grained-tool-streaming-2025-05-14");
  });

  it("reports the anthropic-ratelimit headers, resets as milliseconds from now", async () => {
    const call = testCall("echo");
    await adapter.chat(request(), call);
    const [limits] = call.limits;
    assert.ok(limits);
    assert.equal(limits.limitRequests, 1000);
    assert.equal(limits.remainingRequests, 999);
    assert.equal(limits.limitTokens, 100000);
    assert.equal(limits.remainingTokens, 99000);
    for (const reset of [limits.resetRequestsMs, limits.resetTokensMs])
      assert.ok(reset !== undefined && reset > 0 && reset <= 61_000, String(reset));

    // A 429 carries them too: the router learns the window is spent.
    const limited = testCall("status-429");
    await failure(adapter.chat(request(), limited));
    assert.equal(limited.limits[0]?.remainingRequests, 0);
  });

  it("carries a tool conversation there and back", async () => {
    const answer = await adapter.chat(
      request({
        messages: [
          { role: "user", content: "Weather in Paris?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "toolu_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }],
          },
          { role: "tool", tool_call_id: "toolu_1", content: "18C and sunny" },
        ],
        tools: [
          { type: "function", function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
        ],
        tool_choice: "auto",
      }),
      testCall("echo"),
    );
    assert.equal((answer.choices[0]!.message as JsonObject).content, "Weather in Paris?");
    const body = fake.requests.at(-1)!.body as JsonObject;
    assert.deepEqual(body.tool_choice, { type: "auto" });
    assert.deepEqual((body.messages as JsonObject[]).at(-1), {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18C and sunny" }],
    });
  });

  it("answers a refusal with finish reason content_filter, streamed or not", async () => {
    const answer = await adapter.chat(request(), testCall("blocked"));
    assert.equal(answer.choices[0]!.finish_reason, "content_filter");
    const chunks = await collect(adapter.chatStream(request({ stream: true }), testCall("blocked")));
    const finishes = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter((reason) => reason != null);
    assert.deepEqual(finishes, ["content_filter"]);
  });

  it("keeps Anthropic's context-window message, and ends an overloaded stream as upstream_unavailable", async () => {
    const tooLong = await failure(adapter.chat(request(), testCall("context-length")));
    assert.equal(tooLong.code, "context_length_exceeded");
    assert.match(tooLong.message, /prompt is too long/);
    const overloaded = await failure(collect(adapter.chatStream(request({ stream: true }), testCall("mid-stream-error"))));
    assert.equal(overloaded.code, "upstream_unavailable");
  });

  it("says in its own words that the key was refused", async () => {
    const wrongKey = createAnthropicAdapter(config({ api_key: "wrong" } as Partial<ProviderConfig>));
    try {
      const error = await failure(wrongKey.chat(request(), testCall("echo")));
      assert.equal(error.code, "upstream_auth_failed");
      assert.match(error.message, /^claude-direct rejected the gateway's credentials/);
      assert.doesNotMatch(error.message, /x-api-key/);
    } finally {
      await wrongKey.close?.();
    }
  });

  it("refuses a request Anthropic cannot take before sending anything", async () => {
    const sent = fake.requests.length;
    const error = await failure(adapter.chat(request({ n: 3 }), testCall("echo")));
    assert.equal(error.code, "invalid_request");
    assert.equal(error.param, "n");
    assert.equal(fake.requests.length, sent);
  });
});
