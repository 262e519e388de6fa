import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ChatChunkJson, withUpstreamText } from "./providers/types.js";
import { chunkBytesForClient, chunkForClient, toTokenUsage, wantsUsageChunk } from "./stream-usage.js";

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

  it("sends a chunk on as the upstream's text, without the usage a client did not ask for", () => {
    const fromUpstream = (text: string) => withUpstreamText(JSON.parse(text) as ChatChunkJson, text);
    const bytes = (c: ChatChunkJson, includeUsage: boolean) => Buffer.from(chunkBytesForClient(c, includeUsage)!).toString();
    // Spacing and key order as the upstream wrote them: proof the text went on, not a new serialization.
    const content =
      '{"id":"c","choices":[{"index":0,"delta":{"content":"x \\u00e9"},"finish_reason":null}],"object":"chat.completion.chunk","usage":null}';
    assert.equal(bytes(fromUpstream(content), true), content);
    assert.equal(bytes(fromUpstream(content), false), content.replace(',"usage":null}', "}"));
    assert.deepEqual(JSON.parse(bytes(fromUpstream(content), false)), chunkForClient(JSON.parse(content) as ChatChunkJson, false));

    // A nested "usage":null stays; only the top-level member goes.
    const nested = '{"id":"c","choices":[{"index":0,"delta":{"usage":null},"finish_reason":null}],"usage":null}';
    assert.deepEqual(JSON.parse(bytes(fromUpstream(nested), false)), {
      id: "c",
      choices: [{ index: 0, delta: { usage: null }, finish_reason: null }],
    });

    // Usage written elsewhere than last, or usage with counts on a content chunk: serialized without it.
    const early = '{"usage":null,"id":"c","choices":[]}';
    assert.deepEqual(JSON.parse(bytes(fromUpstream(early), false)), { id: "c", choices: [] });
    const counted = '{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1}}';
    assert.equal("usage" in JSON.parse(bytes(fromUpstream(counted), false)), false);
    assert.equal(bytes(fromUpstream(counted), true), counted);

    // The usage-only last chunk goes to nobody who did not ask.
    assert.equal(chunkBytesForClient(fromUpstream('{"id":"c","choices":[],"usage":{"prompt_tokens":1}}'), false), undefined);

    // Text that an SSE data line cannot carry, and chunks without upstream text, are serialized.
    const multiline = '{"id":"c",\n"choices":[],"usage":null}';
    assert.equal(bytes(fromUpstream(multiline), true), '{"id":"c","choices":[],"usage":null}');
    assert.equal(bytes(chunk({ usage: null }), false), JSON.stringify(chunk({})));
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
