import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import type { MessageParam, RawMessageStreamEvent, Tool } from "@anthropic-ai/sdk/resources/messages";
import { ADMIN_KEY, manyWords, NARROW_KEY, startTestMesh, type TestMesh, watchUsage } from "./harness.js";

/*
 * The official `@anthropic-ai/sdk` pointed at the gateway (base URL without /v1: the SDK appends
 * /v1/messages, and sends the key as x-api-key), served by the mock models behind it.
 */

let t: TestMesh;
let client: Anthropic;

const weatherTool: Tool = {
  name: "get_weather",
  description: "Get the current weather in a given location",
  input_schema: {
    type: "object",
    properties: {
      location: { type: "string", description: "The city and state, e.g. San Francisco, CA" },
      unit: { type: "string", enum: ["celsius", "fahrenheit"] },
    },
    required: ["location"],
  },
};

const textOf = (message: Anthropic.Message) => message.content.map((block) => (block.type === "text" ? block.text : "")).join("");

before(async () => {
  t = await startTestMesh({ connectors: [{ provider: "mock" }] });
  client = new Anthropic({ baseURL: t.url(""), apiKey: ADMIN_KEY, maxRetries: 0 });
});
after(async () => {
  await t?.stop();
});

describe("anthropic: messages.create", () => {
  it("returns a message with a text block, stop_reason and usage", async () => {
    const message = await client.messages.create({
      model: "mock-echo",
      max_tokens: 256,
      messages: [{ role: "user", content: "Hello, Claude" }],
    });
    assert.equal(message.type, "message");
    assert.equal(message.role, "assistant");
    assert.match(message.id, /^msg_/);
    assert.equal(message.model, "mock-echo");
    assert.deepEqual(
      message.content.map((b) => b.type),
      ["text"],
    );
    assert.equal(textOf(message), "Hello, Claude");
    assert.equal(message.stop_reason, "end_turn");
    assert.equal(message.stop_sequence, null);
    assert.equal(message.usage.input_tokens, 2);
    assert.equal(message.usage.output_tokens, 2);
  });

  it("passes the system prompt (string and text blocks) to the model", async () => {
    const withString = await client.messages.create({
      model: "mock-echo",
      max_tokens: 256,
      system: "You answer in one line",
      messages: [{ role: "user", content: "system prompt check" }],
    });
    assert.equal(textOf(withString), "system prompt check");
    // Five words of system prompt and three of user text are the prompt.
    assert.equal(withString.usage.input_tokens, 8);

    const withBlocks = await client.messages.create({
      model: "mock-echo",
      max_tokens: 256,
      system: [{ type: "text", text: "You answer in one line" }],
      messages: [{ role: "user", content: [{ type: "text", text: "system prompt check" }] }],
    });
    assert.equal(textOf(withBlocks), "system prompt check");
    assert.equal(withBlocks.usage.input_tokens, 8);
  });

  it("answers the last user turn of a multi-turn conversation", async () => {
    const message = await client.messages.create({
      model: "mock-echo",
      max_tokens: 256,
      messages: [
        { role: "user", content: "Hello, Claude" },
        { role: "assistant", content: "Hello!" },
        { role: "user", content: "Can you describe LLMs to me?" },
      ],
    });
    assert.equal(textOf(message), "Can you describe LLMs to me?");
  });

  it("answers the text blocks of a turn that also carries an image", async () => {
    const message = await client.messages.create({
      model: "mock-echo",
      max_tokens: 256,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
            { type: "text", text: "What is in this image?" },
          ],
        },
      ],
    });
    assert.equal(textOf(message), "What is in this image?");
  });

  it("surfaces the gateway's request id as _request_id (the request-id header the SDK reads)", async () => {
    const { data, response, request_id } = await client.messages
      .create({ model: "mock-echo", max_tokens: 16, messages: [{ role: "user", content: "which request" }] })
      .withResponse();
    const gatewayId = response.headers.get("x-request-id");
    assert.match(gatewayId ?? "", /^req_/);
    assert.equal(request_id, gatewayId, `request-id header: ${String(response.headers.get("request-id"))}`);
    assert.equal((data as { _request_id?: string | null })._request_id, gatewayId);
  });

  it("stops at max_tokens with stop_reason max_tokens", async () => {
    const message = await client.messages.create({
      model: "mock-echo",
      max_tokens: 3,
      messages: [{ role: "user", content: "one two three four five six" }],
    });
    assert.equal(message.stop_reason, "max_tokens");
    assert.equal(textOf(message).trim(), "one two three");
    assert.equal(message.usage.output_tokens, 3);
  });

  it("cuts the answer before a stop sequence", async () => {
    const message = await client.messages.create({
      model: "mock-echo",
      max_tokens: 256,
      stop_sequences: ["HALT"],
      messages: [{ role: "user", content: "red green HALT blue" }],
    });
    assert.equal(textOf(message).trim(), "red green");
  });
});

describe("anthropic: streaming", () => {
  it("messages.stream(): text events and finalMessage()", async () => {
    const deltas: string[] = [];
    const stream = client.messages.stream({
      model: "mock-echo",
      max_tokens: 256,
      messages: [{ role: "user", content: "stream this reply word by word" }],
    });
    stream.on("text", (delta) => deltas.push(delta));
    const final = await stream.finalMessage();
    assert.equal(deltas.join(""), "stream this reply word by word");
    assert.ok(deltas.length >= 5, "several text deltas, not one");
    assert.equal(textOf(final), "stream this reply word by word");
    assert.equal(final.stop_reason, "end_turn");
    assert.equal(final.usage.output_tokens, 6);
    assert.equal(final.usage.input_tokens, 6, "the streamed input token count matches the prompt");
    assert.equal(await stream.finalText(), "stream this reply word by word");
  });

  it("streams the same events with the cache bypassed (nothing assembled for a cache entry)", async () => {
    const deltas: string[] = [];
    const stream = client.messages.stream(
      { model: "mock-echo", max_tokens: 256, messages: [{ role: "user", content: "no cache for this one" }] },
      { headers: { "x-switchyard-cache": "bypass" } },
    );
    stream.on("text", (delta) => deltas.push(delta));
    const final = await stream.finalMessage();
    assert.equal(deltas.join(""), "no cache for this one");
    assert.equal(final.stop_reason, "end_turn");
    assert.equal(stream.response?.headers.get("x-switchyard-cache"), "bypass");
  });

  it("create({stream: true}) yields the documented event sequence", async () => {
    const stream = await client.messages.create({
      model: "mock-echo",
      max_tokens: 256,
      stream: true,
      messages: [{ role: "user", content: "raw events please" }],
    });
    const events: RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((e) => e.type);
    assert.equal(types[0], "message_start");
    assert.equal(types.at(-1), "message_stop");
    assert.equal(types.at(-2), "message_delta");
    assert.ok(types.includes("content_block_start") && types.includes("content_block_stop"));
    const text = events.map((e) => (e.type === "content_block_delta" && e.delta.type === "text_delta" ? e.delta.text : "")).join("");
    assert.equal(text, "raw events please");
    const delta = events.find((e) => e.type === "message_delta");
    assert.ok(delta?.type === "message_delta");
    assert.equal(delta.delta.stop_reason, "end_turn");
    assert.equal(delta.usage.output_tokens, 3);
  });

  it("keeps the stream intact while a slow model sends heartbeats before its first token", async () => {
    const final = await client.messages
      .stream({ model: "mock-thinking", max_tokens: 256, messages: [{ role: "user", content: "patience is rewarded" }] })
      .finalMessage();
    assert.equal(textOf(final), "patience is rewarded");
  });

  it("max_tokens in a stream ends with stop_reason max_tokens", async () => {
    const final = await client.messages
      .stream({ model: "mock-echo", max_tokens: 2, messages: [{ role: "user", content: "alpha beta gamma delta" }] })
      .finalMessage();
    assert.equal(final.stop_reason, "max_tokens");
    assert.equal(textOf(final).trim(), "alpha beta");
  });

  it("an aborted stream ends, and the gateway records it as cancelled", async () => {
    const usage = watchUsage(t);
    const words = manyWords(60, `cut${Date.now()}x`);
    const stream = client.messages.stream(
      { model: "mock-slow", max_tokens: 1024, messages: [{ role: "user", content: words }] },
      { headers: { "x-request-id": `anthropic-abort-${Date.now()}`, "x-switchyard-cache": "bypass" } },
    );
    let received = "";
    stream.on("text", (delta) => {
      received += delta;
      stream.abort();
    });
    await assert.rejects(stream.done(), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIUserAbortError, String(error));
      return true;
    });
    assert.ok(received.length > 0 && words.startsWith(received.trimEnd()), "the start of the answer arrived");
    assert.ok(received.trim().length < words.length, "the rest did not");
    const requestId = stream.response?.headers.get("x-request-id");
    assert.ok(requestId, "the response carried x-request-id");
    const { subject } = await usage.eventOf(requestId);
    assert.equal(subject, "switchyard.usage.cancelled");
  });
});

describe("anthropic: tool use", () => {
  it("tool_use block → tool_result → text answer", async () => {
    const messages: MessageParam[] = [{ role: "user", content: "What is the weather like in San Francisco?" }];
    const first = await client.messages.create({ model: "mock-echo", max_tokens: 1024, tools: [weatherTool], messages });
    assert.equal(first.stop_reason, "tool_use");
    const toolUse = first.content.find((b) => b.type === "tool_use");
    assert.ok(toolUse?.type === "tool_use", `a tool_use block in ${JSON.stringify(first.content)}`);
    assert.equal(toolUse.name, "get_weather");
    assert.ok(toolUse.id.length > 0);
    const input = toolUse.input as { location?: unknown; unit?: unknown };
    assert.equal(typeof input.location, "string");

    const second = await client.messages.create({
      model: "mock-echo",
      max_tokens: 1024,
      tools: [weatherTool],
      messages: [
        ...messages,
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "15 degrees" }] },
      ],
    });
    assert.equal(second.stop_reason, "end_turn");
    assert.equal(textOf(second), "tool result: 15 degrees");
  });

  it("tool_choice {type: tool} forces the named tool", async () => {
    const timeTool: Tool = {
      name: "get_time",
      description: "Local time",
      input_schema: { type: "object", properties: { timezone: { type: "string" } }, required: ["timezone"] },
    };
    const message = await client.messages.create({
      model: "mock-echo",
      max_tokens: 1024,
      tools: [weatherTool, timeTool],
      tool_choice: { type: "tool", name: "get_time" },
      messages: [{ role: "user", content: "What time is it in Tokyo?" }],
    });
    const toolUse = message.content.find((b) => b.type === "tool_use");
    assert.ok(toolUse?.type === "tool_use");
    assert.equal(toolUse.name, "get_time");
    assert.equal(typeof (toolUse.input as { timezone?: unknown }).timezone, "string");
  });

  it("streams tool input as input_json_delta that the SDK assembles", async () => {
    const partials: string[] = [];
    const stream = client.messages.stream({
      model: "mock-echo",
      max_tokens: 1024,
      tools: [weatherTool],
      messages: [{ role: "user", content: "weather in Oslo?" }],
    });
    stream.on("inputJson", (partial) => partials.push(partial));
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, "tool_use");
    const toolUse = final.content.find((b) => b.type === "tool_use");
    assert.ok(toolUse?.type === "tool_use");
    assert.equal(toolUse.name, "get_weather");
    assert.equal(typeof (toolUse.input as { location?: unknown }).location, "string");
    assert.ok(partials.length > 1, "the input arrived in several deltas");
    assert.deepEqual(JSON.parse(partials.join("")), toolUse.input);
  });
});

describe("anthropic: typed errors", () => {
  it("AuthenticationError for a wrong key", async () => {
    const wrong = new Anthropic({ baseURL: t.url(""), apiKey: "sk-wrong-key-0000", maxRetries: 0 });
    await assert.rejects(
      wrong.messages.create({ model: "mock-echo", max_tokens: 10, messages: [{ role: "user", content: "x" }] }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.AuthenticationError, String(error));
        assert.equal(error.status, 401);
        assert.equal(error.type, "authentication_error");
        return true;
      },
    );
  });

  it("BadRequestError for a request the Messages API rejects", async () => {
    await assert.rejects(
      client.messages.create({ model: "mock-echo", max_tokens: "ten" as unknown as number, messages: [{ role: "user", content: "x" }] }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.BadRequestError, String(error));
        assert.equal(error.status, 400);
        assert.equal(error.type, "invalid_request_error");
        assert.match(error.message, /max_tokens/);
        return true;
      },
    );
  });

  it("NotFoundError for an unknown model", async () => {
    await assert.rejects(
      client.messages.create({ model: "claude-nonexistent", max_tokens: 10, messages: [{ role: "user", content: "x" }] }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.NotFoundError, String(error));
        assert.equal(error.status, 404);
        assert.equal(error.type, "not_found_error");
        assert.match(error.message, /claude-nonexistent/);
        return true;
      },
    );
  });

  it("PermissionDeniedError when the key may not use the model", async () => {
    const narrow = new Anthropic({ baseURL: t.url(""), apiKey: NARROW_KEY, maxRetries: 0 });
    await assert.rejects(
      narrow.messages.create({ model: "mock-failover", max_tokens: 10, messages: [{ role: "user", content: "x" }] }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.PermissionDeniedError, String(error));
        assert.equal(error.status, 403);
        assert.equal(error.type, "permission_error");
        return true;
      },
    );
  });

  it("InternalServerError when every upstream attempt fails", async () => {
    await assert.rejects(
      client.messages.create({ model: "mock-broken", max_tokens: 10, messages: [{ role: "user", content: "x" }] }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.InternalServerError, String(error));
        assert.equal(error.status, 502);
        assert.equal(error.type, "api_error");
        return true;
      },
    );
  });
});
