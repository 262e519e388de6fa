import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { type ChatCompletionRequest, ChatCompletionRequestSchema } from "../../schemas/chat-completions.js";
import type { ChatRequest } from "../chat-types.js";
import { fixture } from "../test-support/fixtures.js";
import { anthropicToChat, validateAnthropicRequest } from "./request.js";
import type { AnthropicMessagesRequest } from "./types.js";

/** Compile-time proof that every translated request is a body the chat pipeline accepts. */
const asChatBody = (chat: ChatRequest): ChatCompletionRequest => chat;

/** Validates then translates (failing the test on a validation error) and checks the result against the chat schema. */
function translate(body: unknown): ChatRequest {
  const result = validateAnthropicRequest(body);
  if (!result.ok) assert.fail(`unexpected validation error: ${result.error.message}`);
  const chat = anthropicToChat(result.value);
  assert.ok(
    Value.Check(ChatCompletionRequestSchema, asChatBody(chat)),
    `not a valid chat request: ${JSON.stringify([...Value.Errors(ChatCompletionRequestSchema, chat)][0])}`,
  );
  return chat;
}

const base = { model: "claude-sonnet-4-5", max_tokens: 256 };

describe("anthropicToChat", () => {
  it("translates the docs' basic request", () => {
    assert.deepEqual(translate(fixture("anthropic/messages-basic.request.json")), {
      model: "claude-3-5-sonnet-20240620",
      messages: [{ role: "user", content: "Hello, Claude" }],
      max_tokens: 1024,
    });
  });

  it("translates the docs' tool-use conversation: tools, tool_use and tool_result", () => {
    assert.deepEqual(translate(fixture("anthropic/tool-use.request.json")), fixture("chat/from-anthropic-tool-use.request.json"));
  });

  it("keeps text and images of the docs' vision example in order, base64 as a data URL", () => {
    const chat = translate(fixture("anthropic/vision.request.json"));
    assert.deepEqual(chat.messages, [
      {
        role: "user",
        content: [
          { type: "text", text: "Image 1:" },
          {
            type: "image_url",
            image_url: { url: "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg" },
          },
          { type: "text", text: "Image 2:" },
          { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQEASABIAAD" } },
          { type: "text", text: "How are these images different?" },
        ],
      },
    ]);
  });

  it("puts a string system prompt first", () => {
    const chat = translate({ ...base, system: "You are a seasoned data scientist.", messages: [{ role: "user", content: "Hi" }] });
    assert.deepEqual(chat.messages, [
      { role: "system", content: "You are a seasoned data scientist." },
      { role: "user", content: "Hi" },
    ]);
  });

  it("joins system text blocks into one system message and drops an empty system", () => {
    const blocks = translate({
      ...base,
      system: [
        { type: "text", text: "You are terse." },
        { type: "text", text: "Answer in French.", cache_control: { type: "ephemeral" } },
      ],
      messages: [{ role: "user", content: "Hi" }],
    });
    assert.deepEqual(blocks.messages[0], { role: "system", content: "You are terse.\n\nAnswer in French." });
    assert.equal(translate({ ...base, system: "", messages: [{ role: "user", content: "Hi" }] }).messages.length, 1);
    assert.equal(translate({ ...base, system: [], messages: [{ role: "user", content: "Hi" }] }).messages.length, 1);
  });

  it("maps sampling, stop sequences, streaming and the user id", () => {
    const chat = translate({
      ...base,
      messages: [{ role: "user", content: "Hi" }],
      stop_sequences: ["\n\nHuman:", "END"],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stream: true,
      metadata: { user_id: "13803d75-b4b5-4c3e-b2a2-6f21399b021b" },
    });
    assert.deepEqual(chat, {
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 256,
      stop: ["\n\nHuman:", "END"],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stream: true,
      stream_options: { include_usage: true },
      user: "13803d75-b4b5-4c3e-b2a2-6f21399b021b",
    });
  });

  it("treats null optional fields and stream:false as absent", () => {
    const chat = translate({
      ...base,
      messages: [{ role: "user", content: "Hi" }],
      system: null,
      temperature: null,
      stop_sequences: [],
      stream: false,
      metadata: { user_id: null },
      tools: null,
    });
    assert.deepEqual(chat, { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }], max_tokens: 256 });
  });

  it("maps each tool_choice", () => {
    const tools = fixture<AnthropicMessagesRequest>("anthropic/tool-use.request.json").tools;
    const choose = (tool_choice: unknown) => translate({ ...base, tools, tool_choice, messages: [{ role: "user", content: "Hi" }] });
    assert.equal(choose({ type: "auto" }).tool_choice, "auto");
    assert.equal(choose({ type: "any" }).tool_choice, "required");
    assert.equal(choose({ type: "none" }).tool_choice, "none");
    assert.deepEqual(choose({ type: "tool", name: "get_weather" }).tool_choice, { type: "function", function: { name: "get_weather" } });
    assert.equal(choose({ type: "auto" }).parallel_tool_calls, undefined);
    assert.equal(choose({ type: "any", disable_parallel_tool_use: true }).parallel_tool_calls, false);
    assert.equal(choose({ type: "auto", disable_parallel_tool_use: false }).parallel_tool_calls, undefined);
  });

  it("splits a user turn into tool messages and user content, preserving order", () => {
    const chat = translate({
      ...base,
      messages: [
        { role: "user", content: "Weather in Paris and a photo of it?" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Two tools.", signature: "EqQBCgIYAhIM" },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { location: "Paris" } },
            { type: "tool_use", id: "toolu_2", name: "get_photo", input: {} },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_1",
              content: [
                { type: "text", text: "15 degrees" },
                { type: "text", text: "sunny" },
              ],
            },
            {
              type: "tool_result",
              tool_use_id: "toolu_2",
              is_error: false,
              content: [
                { type: "text", text: "photo attached" },
                { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
              ],
            },
            { type: "text", text: "Describe both." },
          ],
        },
      ],
    });
    assert.deepEqual(chat.messages, [
      { role: "user", content: "Weather in Paris and a photo of it?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } },
          { id: "toolu_2", type: "function", function: { name: "get_photo", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "15 degrees\n\nsunny" },
      { role: "tool", tool_call_id: "toolu_2", content: "photo attached" },
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "text", text: "Describe both." },
        ],
      },
    ]);
  });

  it("gives an image from the last tool result its own user message and an empty result empty content", () => {
    const chat = translate({
      ...base,
      messages: [
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "screenshot", input: {} }] },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_1",
              content: [{ type: "image", source: { type: "url", url: "https://example.com/s.png" } }],
            },
            { type: "tool_result", tool_use_id: "toolu_2" },
          ],
        },
      ],
    });
    assert.deepEqual(chat.messages.slice(1), [
      { role: "tool", tool_call_id: "toolu_1", content: "" },
      { role: "tool", tool_call_id: "toolu_2", content: "" },
      { role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/s.png" } }] },
    ]);
  });

  it("flushes user text that precedes a tool_result as its own message, in order", () => {
    const chat = translate({
      ...base,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "first" },
            { type: "tool_result", tool_use_id: "t", content: "r" },
          ],
        },
      ],
    });
    assert.deepEqual(chat.messages, [
      { role: "user", content: [{ type: "text", text: "first" }] },
      { role: "tool", tool_call_id: "t", content: "r" },
    ]);
  });

  it("joins assistant text blocks, drops thinking, and keeps an all-thinking turn as empty text", () => {
    const chat = translate({
      ...base,
      messages: [
        { role: "user", content: "Q" },
        {
          role: "assistant",
          content: [
            { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix/LafPsn4a" },
            { type: "text", text: "Part one." },
            { type: "text", text: "Part two." },
          ],
        },
        { role: "user", content: "Q2" },
        { role: "assistant", content: [{ type: "thinking", thinking: "hmm" }] },
        { role: "user", content: "Q3" },
        { role: "assistant", content: "The best answer is (" },
      ],
    });
    assert.deepEqual(
      chat.messages.filter((m) => m.role === "assistant"),
      [
        { role: "assistant", content: "Part one.\n\nPart two." },
        { role: "assistant", content: "" },
        { role: "assistant", content: "The best answer is (" },
      ],
    );
  });

  it("turns documents into a file part (PDF) or text (plain text)", () => {
    const chat = translate({
      ...base,
      messages: [
        {
          role: "user",
          content: [
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQK" }, title: "report.pdf" },
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjUK" } },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "The grass is green." } },
            { type: "text", text: "Summarise." },
          ],
        },
      ],
    });
    assert.deepEqual(chat.messages[0], {
      role: "user",
      content: [
        { type: "file", file: { filename: "report.pdf", file_data: "data:application/pdf;base64,JVBERi0xLjQK" } },
        { type: "file", file: { filename: "document.pdf", file_data: "data:application/pdf;base64,JVBERi0xLjUK" } },
        { type: "text", text: "The grass is green." },
        { type: "text", text: "Summarise." },
      ],
    });
  });

  it("leaves a tool without a description without one", () => {
    const chat = translate({
      ...base,
      messages: [{ role: "user", content: "Hi" }],
      tools: [
        { name: "ping", input_schema: { type: "object", properties: {} } },
        { type: "custom", name: "pong", description: null, input_schema: { type: "object" } },
      ],
    });
    assert.deepEqual(chat.tools, [
      { type: "function", function: { name: "ping", parameters: { type: "object", properties: {} } } },
      { type: "function", function: { name: "pong", parameters: { type: "object" } } },
    ]);
  });
});

describe("validateAnthropicRequest", () => {
  const valid = { model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: "Hello, Claude" }] };
  const problem = (body: unknown) => {
    const result = validateAnthropicRequest(body);
    assert.equal(result.ok, false, `expected ${JSON.stringify(body)} to be rejected`);
    return result.ok ? undefined : result.error;
  };

  it("accepts every docs fixture unchanged", () => {
    for (const name of ["messages-basic", "tool-use", "vision"]) {
      const body = fixture(`anthropic/${name}.request.json`);
      const result = validateAnthropicRequest(body);
      assert.ok(result.ok, name);
      assert.equal(result.value, body);
    }
  });

  it("names a missing required field", () => {
    assert.deepEqual(problem({ max_tokens: 1, messages: valid.messages }), { param: "model", message: "model: Field required" });
    assert.deepEqual(problem({ model: "m", messages: valid.messages }), { param: "max_tokens", message: "max_tokens: Field required" });
    assert.deepEqual(problem({ model: "m", max_tokens: 1 }), { param: "messages", message: "messages: Field required" });
    assert.deepEqual(problem({ ...valid, messages: [{ role: "user" }] }), {
      param: "messages.0.content",
      message: "messages.0.content: Field required",
    });
  });

  it("rejects wrong types without coercing them", () => {
    assert.deepEqual(problem({ ...valid, max_tokens: "1024" }), { param: "max_tokens", message: "max_tokens: Input should be an integer" });
    assert.deepEqual(problem({ ...valid, max_tokens: 10.5 }), { param: "max_tokens", message: "max_tokens: Input should be an integer" });
    assert.deepEqual(problem({ ...valid, model: 7 }), { param: "model", message: "model: Input should be a string" });
    assert.deepEqual(problem({ ...valid, stream: "true" }), { param: "stream", message: "stream: Input should be a boolean" });
    assert.deepEqual(problem({ ...valid, temperature: "0.5" }), { param: "temperature", message: "temperature: Input should be a number" });
    assert.deepEqual(problem({ ...valid, messages: { role: "user" } }), {
      param: "messages",
      message: "messages: Input should be an array",
    });
    assert.deepEqual(problem({ ...valid, messages: [{ role: "user", content: 42 }] }), {
      param: "messages.0.content",
      message: "messages.0.content: Input should be an array",
    });
    assert.deepEqual(problem({ ...valid, stop_sequences: "END" }), {
      param: "stop_sequences",
      message: "stop_sequences: Input should be an array",
    });
    assert.deepEqual(problem({ ...valid, metadata: { user_id: 5 } }), {
      param: "metadata.user_id",
      message: "metadata.user_id: Input should be a string",
    });
    assert.deepEqual(problem("hello"), { param: "", message: "body: Input should be an object" });
  });

  it("rejects out-of-range values", () => {
    assert.deepEqual(problem({ ...valid, max_tokens: 0 }), {
      param: "max_tokens",
      message: "max_tokens: must be greater than or equal to 1",
    });
    assert.deepEqual(problem({ ...valid, temperature: 1.5 }), {
      param: "temperature",
      message: "temperature: must be less than or equal to 1",
    });
    assert.deepEqual(problem({ ...valid, messages: [] }), { param: "messages", message: "messages: must contain at least one item" });
    assert.deepEqual(problem({ ...valid, messages: [{ role: "user", content: [] }] }), {
      param: "messages.0.content",
      message: "messages.0.content: must contain at least one item",
    });
    assert.ok(validateAnthropicRequest({ ...valid, messages: [...valid.messages, { role: "assistant", content: [] }] }).ok);
    assert.deepEqual(problem({ ...valid, model: "" }), { param: "model", message: "model: must not be empty" });
  });

  it("accepts only the user and assistant roles", () => {
    assert.deepEqual(problem({ ...valid, messages: [{ role: "system", content: "Be brief." }] }), {
      param: "messages.0.role",
      message: "messages.0.role: 'system' is not one of 'user', 'assistant'",
    });
  });

  it("requires a type on every content block and accepts only supported ones", () => {
    assert.deepEqual(problem({ ...valid, messages: [{ role: "user", content: [{ text: "hi" }] }] }), {
      param: "messages.0.content.0.type",
      message: "messages.0.content.0.type: Field required",
    });
    assert.deepEqual(problem({ ...valid, messages: [{ role: "user", content: ["hi"] }] }), {
      param: "messages.0.content.0",
      message: "messages.0.content.0: Input should be an object",
    });
    assert.equal(
      problem({ ...valid, messages: [{ role: "user", content: [{ type: "search_result", source: "x" }] }] })?.param,
      "messages.0.content.0.type",
    );
    assert.deepEqual(problem({ ...valid, messages: [{ role: "user", content: [{ type: "tool_use", id: "t", name: "n", input: {} }] }] }), {
      param: "messages.0.content.0.type",
      message: "messages.0.content.0.type: 'tool_use' blocks are only accepted in assistant messages",
    });
    assert.equal(
      problem({ ...valid, messages: [{ role: "assistant", content: [{ type: "image", source: {} }] }] })?.param,
      "messages.0.content.0.type",
    );
  });

  it("checks the fields of each block type", () => {
    const user = (block: unknown) => problem({ ...valid, messages: [{ role: "user", content: [block] }] })?.param;
    const assistant = (block: unknown) => problem({ ...valid, messages: [{ role: "assistant", content: [block] }] })?.param;
    assert.equal(user({ type: "text" }), "messages.0.content.0.text");
    assert.equal(
      user({ type: "image", source: { type: "base64", media_type: "image/bmp", data: "x" } }),
      "messages.0.content.0.source.media_type",
    );
    assert.equal(user({ type: "image", source: { type: "file", file_id: "f" } }), "messages.0.content.0.source.type");
    assert.equal(user({ type: "image", source: { type: "url" } }), "messages.0.content.0.source.url");
    assert.equal(user({ type: "tool_result", content: "x" }), "messages.0.content.0.tool_use_id");
    assert.equal(user({ type: "tool_result", tool_use_id: "t", content: [{ type: "document" }] }), "messages.0.content.0.content.0.type");
    assert.equal(user({ type: "tool_result", tool_use_id: "t", is_error: "yes" }), "messages.0.content.0.is_error");
    assert.equal(user({ type: "document", source: { type: "url", url: "https://x" } }), "messages.0.content.0.source.type");
    assert.equal(assistant({ type: "tool_use", id: "t", name: "n", input: "{}" }), "messages.0.content.0.input");
    assert.equal(assistant({ type: "tool_use", id: "t", input: {} }), "messages.0.content.0.name");
    assert.equal(assistant({ type: "thinking" }), "messages.0.content.0.thinking");
  });

  it("checks system, tools and tool_choice", () => {
    assert.equal(problem({ ...valid, system: [{ type: "image" }] })?.param, "system.0.type");
    assert.equal(problem({ ...valid, system: 3 })?.param, "system");
    assert.equal(problem({ ...valid, tools: [{ name: "t" }] })?.param, "tools.0.input_schema");
    assert.equal(problem({ ...valid, tools: [{ input_schema: {} }] })?.param, "tools.0.name");
    assert.deepEqual(problem({ ...valid, tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 5 }] }), {
      param: "tools.0.type",
      message: "tools.0.type: server tool 'web_search_20250305' is not supported by this gateway; only client tools are",
    });
    assert.equal(problem({ ...valid, tool_choice: { type: "tool" } })?.param, "tool_choice.name");
    assert.equal(problem({ ...valid, tool_choice: { type: "required" } })?.param, "tool_choice.type");
    assert.equal(problem({ ...valid, tool_choice: "auto" })?.param, "tool_choice");
  });

  it("ignores top-level fields the gateway does not translate", () => {
    assert.ok(validateAnthropicRequest({ ...valid, thinking: { type: "enabled", budget_tokens: 2048 }, service_tier: "auto" }).ok);
  });
});
