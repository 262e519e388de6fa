import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatCompletion } from "../chat-types.js";
import { fixture, wire } from "../test-support/fixtures.js";
import { anthropicStopReason, anthropicUsage, chatToAnthropicMessage, parseToolInput } from "./response.js";
import type { AnthropicMessage } from "./types.js";

function completion(
  message: ChatCompletion["choices"][number]["message"],
  finish_reason: string | null,
  usage?: ChatCompletion["usage"],
): ChatCompletion {
  return {
    id: "chatcmpl-abc123",
    object: "chat.completion",
    created: 1741569952,
    model: "gpt-4o-mini",
    choices: [{ index: 0, message, finish_reason }],
    usage,
  };
}

describe("chatToAnthropicMessage", () => {
  it("reproduces the docs' basic message from the equivalent chat completion", () => {
    const message = chatToAnthropicMessage(fixture("chat/anthropic-basic.completion.json"), "claude-3-5-sonnet-20240620");
    assert.deepEqual(wire(message), fixture("anthropic/messages-basic.response.json"));
  });

  it("reproduces the docs' tool_use message: text block, then tool_use with parsed input", () => {
    const message = chatToAnthropicMessage(fixture("chat/anthropic-tool-use.completion.json"), "claude-opus-4-1");
    // The docs excerpt omits type, stop_sequence and usage; everything it shows must match.
    assert.deepEqual(wire(message), {
      ...fixture<Partial<AnthropicMessage>>("anthropic/tool-use.response.json"),
      type: "message",
      stop_sequence: null,
      usage: { input_tokens: 82, output_tokens: 17 },
    });
  });

  it("answers with the requested model, not the deployment's", () => {
    const message = chatToAnthropicMessage(completion({ role: "assistant", content: "hi" }, "stop"), "claude-alias");
    assert.equal(message.model, "claude-alias");
  });

  it("derives the id from the completion id and tolerates any upstream id", () => {
    assert.equal(chatToAnthropicMessage(completion({ role: "assistant", content: "x" }, "stop"), "m").id, "msg_abc123");
    const odd = { ...completion({ role: "assistant", content: "x" }, "stop"), id: "gen/1 2:3" };
    assert.equal(chatToAnthropicMessage(odd, "m").id, "msg_gen123");
    assert.match(chatToAnthropicMessage({ ...odd, id: "" }, "m").id, /^msg_[0-9a-f]{24}$/);
  });

  it("maps each finish reason", () => {
    const reason = (finish: string | null, tools = false) =>
      chatToAnthropicMessage(
        completion(
          {
            role: "assistant",
            content: tools ? null : "x",
            tool_calls: tools ? [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] : undefined,
          },
          finish,
        ),
        "m",
      ).stop_reason;
    assert.equal(reason("stop"), "end_turn");
    assert.equal(reason("length"), "max_tokens");
    assert.equal(reason("tool_calls", true), "tool_use");
    assert.equal(reason("content_filter"), "refusal");
    assert.equal(reason(null), "end_turn");
    // Some providers say "stop" while returning tool calls; the client must still run them.
    assert.equal(reason("stop", true), "tool_use");
    assert.equal(anthropicStopReason("function_call", false), "tool_use");
    assert.equal(anthropicStopReason("something_new", false), "end_turn");
  });

  it("turns a refusal into a text block with stop_reason refusal", () => {
    const message = chatToAnthropicMessage(
      completion({ role: "assistant", content: null, refusal: "I can't help with that." }, "stop"),
      "m",
    );
    assert.deepEqual(message.content, [{ type: "text", text: "I can't help with that." }]);
    assert.equal(message.stop_reason, "refusal");
  });

  it("returns no content blocks for an empty answer and keeps several tool calls in order", () => {
    assert.deepEqual(chatToAnthropicMessage(completion({ role: "assistant", content: "" }, "length"), "m").content, []);
    const message = chatToAnthropicMessage(
      completion(
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } },
            { id: "call_b", type: "function", function: { name: "get_time", arguments: '{"tz":"Europe/Paris"}' } },
          ],
        },
        "tool_calls",
      ),
      "m",
    );
    assert.deepEqual(message.content, [
      { type: "tool_use", id: "call_a", name: "get_weather", input: { location: "Paris" } },
      { type: "tool_use", id: "call_b", name: "get_time", input: { tz: "Europe/Paris" } },
    ]);
  });

  it("keeps input an object when arguments are empty, truncated or not an object", () => {
    assert.deepEqual(parseToolInput(""), {});
    assert.deepEqual(parseToolInput("  "), {});
    assert.deepEqual(parseToolInput(undefined), {});
    assert.deepEqual(parseToolInput('{"location": "San Fra'), {});
    assert.deepEqual(parseToolInput("[1,2]"), {});
    assert.deepEqual(parseToolInput('"text"'), {});
    assert.deepEqual(parseToolInput('{"nested":{"a":[1,null]}}'), { nested: { a: [1, null] } });
  });

  it("reports cache reads apart from the uncached input, and zeros without usage", () => {
    assert.deepEqual(
      anthropicUsage({ prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306, prompt_tokens_details: { cached_tokens: 1920 } }),
      {
        input_tokens: 86,
        output_tokens: 300,
        cache_read_input_tokens: 1920,
      },
    );
    assert.deepEqual(anthropicUsage({ prompt_tokens: 10, completion_tokens: 1, total_tokens: 11, prompt_tokens_details: null }), {
      input_tokens: 10,
      output_tokens: 1,
    });
    assert.deepEqual(chatToAnthropicMessage(completion({ role: "assistant", content: "x" }, "stop"), "m").usage, {
      input_tokens: 0,
      output_tokens: 0,
    });
  });

  it("translates only the first choice and survives a completion without choices", () => {
    const two: ChatCompletion = {
      ...completion({ role: "assistant", content: "first" }, "stop"),
      choices: [
        { index: 0, message: { role: "assistant", content: "first" }, finish_reason: "stop" },
        { index: 1, message: { role: "assistant", content: "second" }, finish_reason: "stop" },
      ],
    };
    assert.deepEqual(chatToAnthropicMessage(two, "m").content, [{ type: "text", text: "first" }]);
    const none = chatToAnthropicMessage({ ...two, choices: [] }, "m");
    assert.deepEqual([none.content, none.stop_reason], [[], "end_turn"]);
  });
});
