import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { readJsonFixture } from "./fixtures.js";
import { finishReason, toChatCompletion, toUsage } from "./response.js";

describe("anthropic response translation", () => {
  it("turns a message with text and tool_use into a chat.completion with tool_calls", () => {
    const completion = toChatCompletion(readJsonFixture("message.json"), { provider: "anthropic", created: 1700000000 });
    assert.deepEqual(completion, {
      id: "msg_01XFDUDYJgAACzvnptvVoYEL",
      object: "chat.completion",
      created: 1700000000,
      model: "claude-sonnet-4-5-20250929",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "I'll look up the weather in San Francisco.",
            tool_calls: [
              {
                id: "toolu_01A09q90qw90lq917835lq9",
                type: "function",
                function: { name: "get_weather", arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
              },
            ],
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 2620, completion_tokens: 89, total_tokens: 2709, prompt_tokens_details: { cached_tokens: 2048 } },
    });
  });

  it("maps every stop_reason", () => {
    const expected = {
      end_turn: "stop",
      stop_sequence: "stop",
      max_tokens: "length",
      tool_use: "tool_calls",
      refusal: "content_filter",
      pause_turn: "stop",
      model_context_window_exceeded: "length",
    };
    for (const [stop, finish] of Object.entries(expected)) assert.equal(finishReason(stop), finish, stop);
  });

  it("counts cache reads and writes in prompt_tokens", () => {
    assert.deepEqual(toUsage({ input_tokens: 10, output_tokens: 3 }), {
      prompt_tokens: 10,
      completion_tokens: 3,
      total_tokens: 13,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    assert.deepEqual(toUsage({ input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 100, output_tokens: 3 }), {
      prompt_tokens: 115,
      completion_tokens: 3,
      total_tokens: 118,
      prompt_tokens_details: { cached_tokens: 100 },
    });
  });

  it("gives a forced json tool's input back as the answer's text", () => {
    const message = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude",
      content: [{ type: "tool_use", id: "toolu_1", name: "json_response", input: { city: "Paris" } }],
      stop_reason: "tool_use",
      usage: { input_tokens: 5, output_tokens: 7 },
    };
    const choice = toChatCompletion(message, { provider: "anthropic", jsonTool: "json_response" }).choices[0]!;
    assert.deepEqual(choice.message, { role: "assistant", content: '{"city":"Paris"}' });
    assert.equal(choice.finish_reason, "stop");
  });

  it("has null content for a tool-only answer and skips thinking blocks", () => {
    const message = {
      id: "msg_2",
      type: "message",
      role: "assistant",
      model: "claude",
      content: [
        { type: "thinking", thinking: "Let me think", signature: "sig" },
        { type: "tool_use", id: "toolu_9", name: "f", input: {} },
      ],
      stop_reason: "tool_use",
      usage: { input_tokens: 5, output_tokens: 7 },
    };
    const choice = toChatCompletion(message, { provider: "anthropic" }).choices[0]!;
    assert.deepEqual(choice.message, {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "toolu_9", type: "function", function: { name: "f", arguments: "{}" } }],
    });
  });

  it("calls what is not a message a malformed answer", () => {
    for (const bad of [null, [], { type: "error" }, { type: "message", content: "text" }]) {
      assert.throws(
        () => toChatCompletion(bad, { provider: "anthropic" }),
        (error: unknown) =>
          error instanceof GatewayError && error.code === "upstream_error" && /anthropic sent a malformed answer/.test(error.message),
      );
    }
  });
});
