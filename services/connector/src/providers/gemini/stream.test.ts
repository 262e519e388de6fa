import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import type { ChatChunkJson } from "../types.js";
import { GeminiStreamTranslator } from "./stream.js";

const frames = [
  {
    candidates: [{ content: { role: "model", parts: [{ text: "Hello " }] }, index: 0 }],
    usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 },
    modelVersion: "gemini-2.5-flash",
    responseId: "r1",
  },
  {
    candidates: [{ content: { role: "model", parts: [{ text: "world" }] }, index: 0 }],
    usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 },
    modelVersion: "gemini-2.5-flash",
    responseId: "r1",
  },
  {
    candidates: [{ content: { role: "model", parts: [{ text: "" }] }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 },
    modelVersion: "gemini-2.5-flash",
    responseId: "r1",
  },
];

function translate(data: unknown[]): ChatChunkJson[] {
  const translator = new GeminiStreamTranslator("gemini-2.5-flash", "gemini", 1);
  const chunks = data.map((frame) => translator.data(JSON.stringify(frame))).filter((chunk) => chunk !== undefined);
  return [...chunks, translator.end()];
}

describe("gemini stream translation", () => {
  it("yields text deltas, the role first, the finish reason last, then usage", () => {
    const chunks = translate(frames);
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices),
      [
        [{ index: 0, delta: { role: "assistant", content: "Hello " }, finish_reason: null, logprobs: null }],
        [{ index: 0, delta: { content: "world" }, finish_reason: null, logprobs: null }],
        [{ index: 0, delta: {}, finish_reason: "stop", logprobs: null }],
        [],
      ],
    );
    assert.deepEqual(chunks.at(-1)!.usage, { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
    assert.ok(
      chunks.every((chunk) => chunk.id === "chatcmpl-r1" && chunk.object === "chat.completion.chunk" && chunk.model === "gemini-2.5-flash"),
    );
    assert.ok(chunks.slice(0, -1).every((chunk) => !("usage" in chunk)));
  });

  it("numbers function calls across frames and finishes with tool_calls", () => {
    const call = (city: string) => ({ functionCall: { name: "weather", args: { city } } });
    const chunks = translate([
      { candidates: [{ content: { role: "model", parts: [call("Paris")] } }] },
      {
        candidates: [{ content: { role: "model", parts: [call("Rome")] }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 6, totalTokenCount: 9 },
      },
    ]);
    assert.deepEqual(chunks[0]!.choices[0], {
      index: 0,
      delta: {
        role: "assistant",
        tool_calls: [{ index: 0, id: "call_0", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }],
      },
      finish_reason: null,
      logprobs: null,
    });
    assert.deepEqual(chunks[1]!.choices[0], {
      index: 0,
      delta: { tool_calls: [{ index: 1, id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } }] },
      finish_reason: "tool_calls",
      logprobs: null,
    });
  });

  it("keeps candidates apart by index", () => {
    const chunks = translate([
      {
        candidates: [
          { content: { parts: [{ text: "a" }] }, index: 0 },
          { content: { parts: [{ text: "b" }] }, index: 1 },
        ],
      },
      {
        candidates: [
          { content: { parts: [] }, finishReason: "STOP", index: 0 },
          { content: { parts: [] }, finishReason: "MAX_TOKENS", index: 1 },
        ],
      },
    ]);
    assert.deepEqual(
      chunks[1]!.choices.map((choice) => [choice.index, choice.finish_reason]),
      [
        [0, "stop"],
        [1, "length"],
      ],
    );
  });

  it("fails on a blocked prompt, an error frame, and a stream cut short", () => {
    const translator = new GeminiStreamTranslator("m", "gemini");
    assert.throws(
      () => translator.data('{"promptFeedback":{"blockReason":"SAFETY"}}'),
      (error: unknown) => error instanceof GatewayError && error.code === "content_filtered",
    );
    assert.throws(
      () =>
        new GeminiStreamTranslator("m", "gemini").data(
          '{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}',
        ),
      (error: unknown) => error instanceof GatewayError && error.code === "upstream_unavailable",
    );
    assert.throws(
      () => translate(frames.slice(0, 2)),
      (error: unknown) => error instanceof GatewayError && /before it finished/.test(error.message),
    );
    assert.throws(
      () => new GeminiStreamTranslator("m", "gemini").data("not json"),
      (error: unknown) => error instanceof GatewayError && error.code === "upstream_error",
    );
  });
});
