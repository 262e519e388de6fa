import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { startFakeAnthropic } from "./anthropic.js";
import type { FakeUpstream } from "./types.js";

// The official client, pointed at the fake, is the judge of the fake's wire format.
describe("fake anthropic, read by @anthropic-ai/sdk", () => {
  let fake: FakeUpstream;
  let client: Anthropic;
  before(async () => {
    fake = await startFakeAnthropic({ apiKey: "test-key" });
    client = new Anthropic({ apiKey: "test-key", baseURL: fake.url, maxRetries: 0 });
  });
  after(() => fake.close());

  const user = (text: string) => [{ role: "user" as const, content: text }];

  it("answers echo with the last user text, word-count usage and rate-limit headers", async () => {
    const { data: message, response } = await client.messages
      .create({ model: "echo", max_tokens: 64, system: "Be brief.", messages: user("hello there world") })
      .withResponse();
    assert.equal(message.type, "message");
    assert.deepEqual(message.content, [{ type: "text", text: "hello there world" }]);
    assert.equal(message.stop_reason, "end_turn");
    assert.equal(message.usage.input_tokens, 5);
    assert.equal(message.usage.output_tokens, 3);
    assert.equal(response.headers.get("anthropic-ratelimit-requests-remaining"), "999");
    assert.ok(!Number.isNaN(Date.parse(response.headers.get("anthropic-ratelimit-tokens-reset") ?? "")));

    const recorded = fake.requests.at(-1)!;
    assert.equal(recorded.path, "/v1/messages");
    assert.equal(recorded.headers.authorization, "Bearer test-key");
    assert.match(String(recorded.headers["anthropic-version"]), /^\d{4}-\d\d-\d\d$/);
  });

  it("streams echo as the documented event sequence, one text delta per word", async () => {
    const stream = client.messages.stream({ model: "echo", max_tokens: 64, messages: user("one two three") });
    const types: string[] = [];
    const texts: string[] = [];
    stream.on("streamEvent", (event) => {
      types.push(event.type);
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") texts.push(event.delta.text);
    });
    const message = await stream.finalMessage();
    assert.deepEqual(texts, ["one ", "two ", "three"]);
    assert.equal(message.content[0]?.type === "text" && message.content[0].text, "one two three");
    assert.equal(message.usage.output_tokens, 3);
    assert.deepEqual(types, [
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  it("calls the first tool with the last user text, streamed in at least two pieces", async () => {
    const tools = [
      { name: "search", description: "Search", input_schema: { type: "object" as const, properties: { q: { type: "string" } } } },
      { name: "other", input_schema: { type: "object" as const } },
    ];
    const message = await client.messages.create({ model: "tool", max_tokens: 64, tools, messages: user("find cats") });
    assert.equal(message.stop_reason, "tool_use");
    const block = message.content[0]!;
    assert.equal(block.type, "tool_use");
    assert.equal(block.type === "tool_use" && block.name, "search");
    assert.deepEqual(block.type === "tool_use" && block.input, { q: "find cats" });

    const stream = client.messages.stream({ model: "tool", max_tokens: 64, tools, messages: user("find cats") });
    let pieces = 0;
    stream.on("inputJson", (partial) => {
      if (partial !== "") pieces++;
    });
    const streamed = await stream.finalMessage();
    assert.ok(pieces >= 2);
    assert.deepEqual(streamed.content[0]!.type === "tool_use" && streamed.content[0]!.input, { q: "find cats" });
  });

  it("answers status-<code> with Anthropic's error body, retry-after on 429", async () => {
    const cases: [string, number, string, abstract new (...args: never[]) => InstanceType<typeof Anthropic.APIError>][] = [
      ["status-429", 429, "rate_limit_error", Anthropic.RateLimitError],
      ["status-500", 500, "api_error", Anthropic.InternalServerError],
      ["status-529", 529, "overloaded_error", Anthropic.APIError],
    ];
    for (const [model, status, type, kind] of cases) {
      await assert.rejects(client.messages.create({ model, max_tokens: 8, messages: user("hi") }), (error: unknown) => {
        assert.ok(error instanceof kind, model);
        assert.equal(error.status, status);
        assert.equal(error.type, type);
        assert.match(String(error.apiMessage), /sk-fake-LEAK/);
        if (status === 429) assert.equal(error.headers?.get("retry-after"), "7");
        return true;
      });
    }
  });

  it("refuses a wrong key, a missing max_tokens, a bad role and unknown fields as the real API does", async () => {
    const wrong = new Anthropic({ apiKey: "nope", baseURL: fake.url, maxRetries: 0 });
    await assert.rejects(wrong.messages.create({ model: "echo", max_tokens: 8, messages: user("hi") }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.AuthenticationError);
      assert.equal(error.type, "authentication_error");
      return true;
    });
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ model: "echo", messages: user("hi") }, /max_tokens: Field required/],
      [{ model: "echo", max_tokens: 8, messages: [{ role: "tool", content: "x" }] }, /messages\.0\.role/],
      [{ model: "echo", max_tokens: 8, messages: user("hi"), frequency_penalty: 1 }, /frequency_penalty: Extra inputs are not permitted/],
    ];
    for (const [body, message] of bad) {
      await assert.rejects(client.messages.create(body as never), (error: unknown) => {
        assert.ok(error instanceof Anthropic.BadRequestError);
        assert.equal(error.type, "invalid_request_error");
        assert.match(String(error.apiMessage), message);
        return true;
      });
    }
  });

  it("answers context-length with the prompt-too-long error and blocked with a refusal", async () => {
    await assert.rejects(client.messages.create({ model: "context-length", max_tokens: 8, messages: user("hi") }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.BadRequestError);
      assert.match(String(error.apiMessage), /prompt is too long/);
      return true;
    });
    const blocked = await client.messages.create({ model: "blocked", max_tokens: 8, messages: user("hi") });
    assert.equal(blocked.stop_reason, "refusal");
  });

  it("sends an overloaded error event mid-stream", async () => {
    const stream = client.messages.stream({ model: "mid-stream-error", max_tokens: 8, messages: user("hello world") });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    await assert.rejects(stream.finalMessage(), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError);
      assert.equal(error.type, "overloaded_error");
      return true;
    });
    assert.deepEqual(texts, ["hello "]);
  });

  it("counts a client that goes away from a hanging stream", async () => {
    const before = fake.disconnects;
    const controller = new AbortController();
    const stream = await client.messages.create(
      { model: "hang", max_tokens: 8, stream: true, messages: user("wait here") },
      { signal: controller.signal },
    );
    for await (const event of stream) {
      if (event.type === "content_block_delta") break;
    }
    controller.abort();
    for (let i = 0; i < 100 && fake.disconnects === before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(fake.disconnects, before + 1);
  });
});
