import assert from "node:assert/strict";
import { it } from "node:test";
import { completionToChunks, StreamAssembler } from "./stream-assembler.js";

const usage = { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 };

it("rebuilds a text completion from its chunks", () => {
  const assembler = new StreamAssembler();
  const base = { id: "c1", created: 1, model: "m" };
  assembler.add({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "hello " } }] });
  assembler.add({ ...base, choices: [{ index: 0, delta: { content: "world" }, finish_reason: "stop" }] });
  const completion = assembler.completion(usage) as { object: string; choices: { message: { content: string }; finish_reason: string }[] };
  assert.equal(completion.object, "chat.completion");
  assert.equal(completion.choices[0]?.message.content, "hello world");
  assert.equal(completion.choices[0]?.finish_reason, "stop");
});

it("does not rebuild streams with tool calls, several choices or no finish", () => {
  const tools = new StreamAssembler();
  tools.add({ choices: [{ index: 0, delta: { tool_calls: [{}] }, finish_reason: "tool_calls" }] });
  assert.equal(tools.completion(usage), undefined);
  const unfinished = new StreamAssembler();
  unfinished.add({ choices: [{ index: 0, delta: { content: "x" } }] });
  assert.equal(unfinished.completion(usage), undefined);
});

it("replays a stored completion as chunks, tool calls with their index, usage last when asked", () => {
  const completion = {
    id: "c2",
    created: 1,
    model: "m",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
        },
        finish_reason: "tool_calls",
      },
    ],
    usage,
  };
  const chunks = completionToChunks(completion, true) as {
    object: string;
    choices: { delta: { tool_calls?: { index: number; id: string }[] }; finish_reason: string | null }[];
    usage?: unknown;
  }[];
  assert.ok(chunks.every((c) => c.object === "chat.completion.chunk"));
  assert.deepEqual(
    chunks[1]?.choices[0]?.delta.tool_calls?.map((c) => [c.index, c.id]),
    [[0, "call_1"]],
  );
  assert.equal(chunks[2]?.choices[0]?.finish_reason, "tool_calls");
  assert.deepEqual(chunks.at(-1)?.usage, usage);
  assert.equal(completionToChunks(completion, false).length, 3);
});
