import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import type { ChatChunkJson } from "../types.js";
import { readSseFixture } from "./fixtures.js";
import { AnthropicStreamTranslator } from "./stream.js";

function translateAll(name: string, jsonTool?: string): ChatChunkJson[] {
  const translator = new AnthropicStreamTranslator("anthropic", jsonTool, 1700000000);
  const chunks = readSseFixture(name).flatMap((event) => [...translator.event(event.data)]);
  return [...chunks, ...translator.end()];
}

const deltas = (chunks: ChatChunkJson[]) => chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0]!.delta);

describe("anthropic stream translation", () => {
  it("turns a text stream into chunks: role first, text deltas, the finish reason, then usage", () => {
    const chunks = translateAll("text-stream.sse");
    assert.deepEqual(deltas(chunks), [{ role: "assistant", content: "" }, { content: "Hello" }, { content: "!" }, {}]);
    assert.deepEqual(
      chunks.map((c) => (c.choices.length > 0 ? c.choices[0]!.finish_reason : "usage")),
      [null, null, null, "stop", "usage"],
    );
    for (const chunk of chunks) {
      assert.equal(chunk.id, "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY");
      assert.equal(chunk.model, "claude-sonnet-4-5-20250929");
      assert.equal(chunk.object, "chat.completion.chunk");
      assert.equal(chunk.created, 1700000000);
    }
    assert.deepEqual(chunks.at(-1), {
      id: "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
      object: "chat.completion.chunk",
      created: 1700000000,
      model: "claude-sonnet-4-5-20250929",
      choices: [],
      usage: { prompt_tokens: 35, completion_tokens: 15, total_tokens: 50, prompt_tokens_details: { cached_tokens: 10 } },
    });
  });

  it("streams a tool_use block as an OpenAI tool call whose arguments arrive in pieces", () => {
    const chunks = translateAll("tool-stream.sse");
    assert.deepEqual(deltas(chunks), [
      { role: "assistant", content: "" },
      { content: "Okay, let me check." },
      {
        tool_calls: [
          { index: 0, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", type: "function", function: { name: "get_weather", arguments: "" } },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ' "San Francisco, CA"}' } }] },
      {},
    ]);
    assert.equal(chunks.at(-2)!.choices[0]!.finish_reason, "tool_calls");
    assert.deepEqual(chunks.at(-1)!.usage, {
      prompt_tokens: 472,
      completion_tokens: 89,
      total_tokens: 561,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });

  it("streams a forced json tool's input as text that finishes with stop", () => {
    const events = [
      { type: "message_start", message: { id: "msg_j", model: "claude", usage: { input_tokens: 3, output_tokens: 1 } } },
      { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_j", name: "json_response", input: {} } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"city":' } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '"Paris"}' } },
      { type: "content_block_stop", index: 0 },
      { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } },
      { type: "message_stop" },
    ];
    const translator = new AnthropicStreamTranslator("anthropic", "json_response");
    const chunks = events.flatMap((event) => [...translator.event(JSON.stringify(event))]);
    assert.deepEqual(deltas(chunks), [{ role: "assistant", content: "" }, { content: '{"city":' }, { content: '"Paris"}' }, {}]);
    assert.equal(chunks.at(-2)!.choices[0]!.finish_reason, "stop");
  });

  it("throws upstream_unavailable for an overloaded error event mid-stream, in the gateway's words", () => {
    const translator = new AnthropicStreamTranslator("anthropic");
    translator.event('{"type":"message_start","message":{"id":"msg_e","model":"claude","usage":{"input_tokens":1,"output_tokens":1}}}');
    assert.throws(
      () => translator.event('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded sk-fake-LEAK"}}'),
      (error: unknown) => error instanceof GatewayError && error.code === "upstream_unavailable" && !error.message.includes("sk-fake-LEAK"),
    );
    assert.throws(
      () => translator.event('{"type":"error","error":{"type":"api_error","message":"Internal"}}'),
      (error: unknown) => error instanceof GatewayError && error.code === "upstream_error",
    );
  });

  it("calls a stream that ends before message_delta cut short, and one without message_stop finished", () => {
    const cut = new AnthropicStreamTranslator("anthropic");
    cut.event('{"type":"message_start","message":{"id":"msg_c","model":"claude","usage":{"input_tokens":1,"output_tokens":1}}}');
    assert.throws(
      () => cut.end(),
      (error: unknown) => error instanceof GatewayError && error.code === "upstream_error",
    );

    const unstopped = new AnthropicStreamTranslator("anthropic");
    unstopped.event('{"type":"message_start","message":{"id":"msg_d","model":"claude","usage":{"input_tokens":1,"output_tokens":1}}}');
    unstopped.event('{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"input_tokens":null,"output_tokens":4}}');
    const end = unstopped.end();
    assert.equal(end.length, 1);
    assert.deepEqual(end[0]!.usage, {
      prompt_tokens: 1,
      completion_tokens: 4,
      total_tokens: 5,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });

  it("ignores event types it does not know and refuses data that is not JSON", () => {
    const translator = new AnthropicStreamTranslator("anthropic");
    assert.deepEqual(translator.event('{"type":"some_future_event","x":1}'), []);
    assert.throws(
      () => translator.event("{oops"),
      (error: unknown) => error instanceof GatewayError && error.code === "upstream_error",
    );
  });
});
