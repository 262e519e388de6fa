import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { finishReasonOf, fromGeminiEmbeddings, fromGeminiResponse, type GeminiResponse, usageOf } from "./response.js";

const answer: GeminiResponse = {
  candidates: [
    {
      content: { role: "model", parts: [{ text: "Thinking…", thought: true }, { text: "Hello " }, { text: "there." }] },
      finishReason: "STOP",
      index: 0,
    },
  ],
  usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 3, thoughtsTokenCount: 5, cachedContentTokenCount: 4, totalTokenCount: 16 },
  modelVersion: "gemini-2.5-flash",
  responseId: "abc123",
};

describe("gemini response translation", () => {
  it("turns a candidate into a chat.completion with usage", () => {
    assert.deepEqual(fromGeminiResponse(answer, "gemini-2.5-flash", "gemini", 1700000000), {
      id: "chatcmpl-abc123",
      object: "chat.completion",
      created: 1700000000,
      model: "gemini-2.5-flash",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hello there.", reasoning_content: "Thinking…" },
          finish_reason: "stop",
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 8,
        completion_tokens: 8,
        total_tokens: 16,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 5 },
      },
    });
  });

  it("gives function calls stable ids in order, or Gemini's own, and finishes with tool_calls", () => {
    const completion = fromGeminiResponse(
      {
        candidates: [
          {
            content: {
              role: "model",
              parts: [
                { functionCall: { name: "weather", args: { city: "Paris" } }, thoughtSignature: "c2ln" },
                { functionCall: { name: "weather", args: { city: "Rome" } } },
                { functionCall: { name: "time", id: "g-1" } },
              ],
            },
            finishReason: "STOP",
          },
        ],
      },
      "gemini-2.5-pro",
      "gemini",
    );
    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, "tool_calls");
    assert.deepEqual(choice.message, {
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: "call_0",
          type: "function",
          function: { name: "weather", arguments: '{"city":"Paris"}' },
          extra_content: { google: { thought_signature: "c2ln" } },
        },
        { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
        { id: "g-1", type: "function", function: { name: "time", arguments: "{}" } },
      ],
    });
    assert.equal(completion.model, "gemini-2.5-pro");
    assert.match(completion.id, /^chatcmpl-/);
    assert.deepEqual(completion.usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it("reports safety stops as content_filter and other stops by kind", () => {
    for (const reason of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"])
      assert.equal(finishReasonOf(reason, false), "content_filter");
    assert.equal(finishReasonOf("MAX_TOKENS", false), "length");
    assert.equal(finishReasonOf("STOP", false), "stop");
    assert.equal(finishReasonOf("OTHER", true), "tool_calls");
    assert.equal(finishReasonOf(undefined, false), null);
    const filtered = fromGeminiResponse({ candidates: [{ content: { parts: [] }, finishReason: "SAFETY" }] }, "m", "gemini");
    assert.deepEqual(filtered.choices[0], {
      index: 0,
      message: { role: "assistant", content: "" },
      finish_reason: "content_filter",
      logprobs: null,
    });
  });

  it("turns a blocked prompt into content_filtered naming the reason", () => {
    assert.throws(
      () =>
        fromGeminiResponse(
          { promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } },
          "m",
          "gemini",
        ),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.code === "content_filtered" &&
        /gemini blocked the prompt \(PROHIBITED_CONTENT\)/.test(error.message),
    );
    assert.throws(
      () => fromGeminiResponse({}, "m", "gemini"),
      (error: unknown) => error instanceof GatewayError && error.code === "upstream_error",
    );
  });

  it("adds tool-use prompt tokens to the prompt", () => {
    assert.deepEqual(usageOf({ promptTokenCount: 10, toolUsePromptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 17 }), {
      prompt_tokens: 15,
      completion_tokens: 2,
      total_tokens: 17,
    });
  });

  it("answers embeddings as OpenAI's list with estimated usage", () => {
    assert.deepEqual(fromGeminiEmbeddings({ embedding: { values: [0.5, -1] } }, ["hello world!"], "emb", "gemini"), {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.5, -1] }],
      model: "emb",
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
    const batch = fromGeminiEmbeddings({ embeddings: [{ values: [1] }, { values: [2] }] }, ["a", "b"], "emb", "gemini", true);
    assert.deepEqual(
      batch.data.map((d) => d.embedding),
      [Buffer.from(new Float32Array([1]).buffer).toString("base64"), Buffer.from(new Float32Array([2]).buffer).toString("base64")],
    );
    assert.throws(
      () => fromGeminiEmbeddings({ embeddings: [{ values: [1] }] }, ["a", "b"], "emb", "gemini"),
      (error: unknown) => error instanceof GatewayError && error.code === "upstream_error",
    );
  });
});
