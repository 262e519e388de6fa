import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatChunkJson, JsonObject } from "../types.js";
import { chunkOfStreamEvent, newStreamState } from "./stream.js";

const identity = { id: "chatcmpl-1", created: 1_700_000_000, model: "claude" };

function translate(events: [string, JsonObject][]): ChatChunkJson[] {
  const state = newStreamState(identity);
  return events.map(([type, payload]) => chunkOfStreamEvent(state, type, payload)).filter((c): c is ChatChunkJson => c !== undefined);
}

describe("bedrock stream translation", () => {
  it("turns a text stream into role, content, finish and usage chunks", () => {
    const chunks = translate([
      ["messageStart", { role: "assistant" }],
      ["contentBlockDelta", { delta: { text: "Hello " }, contentBlockIndex: 0 }],
      ["contentBlockDelta", { delta: { text: "world" }, contentBlockIndex: 0 }],
      ["contentBlockStop", { contentBlockIndex: 0 }],
      ["messageStop", { stopReason: "end_turn" }],
      ["metadata", { usage: { inputTokens: 4, outputTokens: 2, totalTokens: 6 }, metrics: { latencyMs: 80 } }],
    ]);
    assert.deepEqual(
      chunks.map((c) => c.choices[0]?.delta ?? null),
      [{ role: "assistant", content: "" }, { content: "Hello " }, { content: "world" }, {}, null],
    );
    assert.equal(chunks[3]!.choices[0]!.finish_reason, "stop");
    assert.deepEqual(chunks[4], {
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: "claude",
      choices: [],
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
    });
  });

  it("numbers tool calls by their order and streams their input", () => {
    const chunks = translate([
      ["messageStart", { role: "assistant" }],
      ["contentBlockDelta", { delta: { text: "Looking." }, contentBlockIndex: 0 }],
      ["contentBlockStart", { start: { toolUse: { toolUseId: "tooluse_a", name: "weather" } }, contentBlockIndex: 1 }],
      ["contentBlockDelta", { delta: { toolUse: { input: '{"city":' } }, contentBlockIndex: 1 }],
      ["contentBlockDelta", { delta: { toolUse: { input: '"Paris"}' } }, contentBlockIndex: 1 }],
      ["contentBlockStop", { contentBlockIndex: 1 }],
      ["messageStop", { stopReason: "tool_use" }],
    ]);
    assert.deepEqual(chunks[2]!.choices[0]!.delta, {
      tool_calls: [{ index: 0, id: "tooluse_a", type: "function", function: { name: "weather", arguments: "" } }],
    });
    assert.deepEqual(chunks[3]!.choices[0]!.delta, { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] });
    assert.deepEqual(chunks[4]!.choices[0]!.delta, { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] });
    assert.equal(chunks[5]!.choices[0]!.finish_reason, "tool_calls");
  });

  it("makes no chunk of block stops or unknown events", () => {
    assert.deepEqual(
      translate([
        ["contentBlockStop", { contentBlockIndex: 0 }],
        ["somethingNew", {}],
      ]),
      [],
    );
  });
});
