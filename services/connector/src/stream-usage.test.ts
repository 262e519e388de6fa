import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chunkForClient, toTokenUsage, wantsUsageChunk } from "./stream-usage.js";
import type { ChatChunkJson } from "./providers/types.js";

const chunk = (extra: Partial<ChatChunkJson>): ChatChunkJson => ({
  id: "c",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta: { content: "x" }, finish_reason: null }],
  ...extra,
});

describe("stream usage", () => {
  it("reads include_usage from the client's request", () => {
    assert.equal(wantsUsageChunk({ include_usage: true }), true);
    assert.equal(wantsUsageChunk({ include_usage: false }), false);
    assert.equal(wantsUsageChunk(null), false);
    assert.equal(wantsUsageChunk(undefined), false);
  });

  it("hides usage from a client that did not ask", () => {
    const content = chunk({ usage: null });
    assert.deepEqual(chunkForClient(content, false), chunk({}));
    assert.equal("usage" in chunkForClient(content, false)!, false);
    assert.equal(chunkForClient(chunk({ choices: [], usage: { prompt_tokens: 1 } }), false), undefined);
    // A chunk with empty choices but no usage (Azure's prompt filter results) still goes through.
    const filters = chunk({ choices: [], prompt_filter_results: [] });
    assert.equal(chunkForClient(filters, false), filters);
  });

  it("forwards everything to a client that asked", () => {
    const last = chunk({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
    assert.equal(chunkForClient(last, true), last);
    const content = chunk({ usage: null });
    assert.equal(chunkForClient(content, true), content);
  });

  it("converts usage, filling a missing total and ignoring nonsense", () => {
    const usage = (u: Parameters<typeof toTokenUsage>[0]) => {
      const t = toTokenUsage(u);
      return [t.promptTokens, t.completionTokens, t.totalTokens];
    };
    assert.deepEqual(usage({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 }), [5, 7, 12]);
    assert.deepEqual(usage({ prompt_tokens: 5, completion_tokens: 7 }), [5, 7, 12]);
    assert.deepEqual(usage({ prompt_tokens: 8, total_tokens: 8 }), [8, 0, 8]);
    assert.deepEqual(usage({ prompt_tokens: -1, completion_tokens: Number.NaN }), [0, 0, 0]);
    assert.deepEqual(usage(undefined), [0, 0, 0]);
  });
});
