import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { finishReasonOf, fromCohereEmbeddings, fromConverseResponse, fromTitanEmbeddings } from "./response.js";

const identity = { id: "chatcmpl-1", created: 1_700_000_000, model: "claude" };

describe("bedrock response translation", () => {
  it("turns a Converse answer into a chat.completion", () => {
    const answer = {
      output: { message: { role: "assistant", content: [{ text: "Hello" }, { text: " there" }] } },
      stopReason: "end_turn",
      usage: { inputTokens: 12, outputTokens: 3, totalTokens: 15, cacheReadInputTokens: 4 },
      metrics: { latencyMs: 300 },
    };
    assert.deepEqual(fromConverseResponse(answer, identity, "bedrock"), {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "claude",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello there" }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 } },
    });
  });

  it("turns toolUse blocks into tool_calls", () => {
    const answer = {
      output: {
        message: {
          role: "assistant",
          content: [{ toolUse: { toolUseId: "tooluse_1", name: "weather", input: { city: "Paris" } } }],
        },
      },
      stopReason: "tool_use",
      usage: { inputTokens: 5, outputTokens: 9 },
    };
    const choice = fromConverseResponse(answer, identity, "bedrock").choices[0]!;
    assert.equal(choice.finish_reason, "tool_calls");
    assert.deepEqual(choice.message, {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "tooluse_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }],
    });
  });

  it("maps every stop reason", () => {
    assert.equal(finishReasonOf("end_turn"), "stop");
    assert.equal(finishReasonOf("stop_sequence"), "stop");
    assert.equal(finishReasonOf("max_tokens"), "length");
    assert.equal(finishReasonOf("tool_use"), "tool_calls");
    assert.equal(finishReasonOf("guardrail_intervened"), "content_filter");
    assert.equal(finishReasonOf("content_filtered"), "content_filter");
    assert.equal(finishReasonOf(undefined), "stop");
  });

  it("calls an answer without an output message malformed", () => {
    assert.throws(
      () => fromConverseResponse({ stopReason: "end_turn" }, identity, "bedrock"),
      (e: unknown) => e instanceof GatewayError && e.code === "upstream_error",
    );
  });

  it("joins Titan answers and counts their tokens", () => {
    const result = fromTitanEmbeddings(
      [
        { embedding: [0.1, 0.2], inputTextTokenCount: 3 },
        { embedding: [0.3, 0.4], inputTextTokenCount: 4 },
      ],
      "titan",
      "bedrock",
    );
    assert.deepEqual(result, {
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [0.1, 0.2] },
        { object: "embedding", index: 1, embedding: [0.3, 0.4] },
      ],
      model: "titan",
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
  });

  it("reads Cohere's embeddings", () => {
    const answer = { id: "x", embeddings: [[0.5], [0.6]], texts: ["a", "b"], response_type: "embeddings_floats" };
    assert.deepEqual(fromCohereEmbeddings(answer, "cohere", 2, "bedrock").data, [
      { object: "embedding", index: 0, embedding: [0.5] },
      { object: "embedding", index: 1, embedding: [0.6] },
    ]);
  });
});
