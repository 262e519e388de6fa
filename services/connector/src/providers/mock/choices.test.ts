import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import type { EchoAnswer } from "./answer.js";
import { choiceCount, completionChoices, streamChoices } from "./choices.js";

const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
const text = (extra: Partial<EchoAnswer> = {}): EchoAnswer =>
  ({
    kind: "text",
    content: "hi there",
    pieces: ["hi ", "there"],
    finishReason: "stop",
    n: 1,
    logprobs: undefined,
    usage,
    ...extra,
  }) as EchoAnswer;
const call = { id: "call_a", type: "function" as const, function: { name: "f", arguments: '{"q":"x y"}' } };
const tools = (extra: Partial<EchoAnswer> = {}): EchoAnswer =>
  ({
    kind: "tool_calls",
    calls: [call],
    fragments: [['{"q":', '"x ', 'y"}']],
    finishReason: "tool_calls",
    n: 1,
    logprobs: undefined,
    usage,
    ...extra,
  }) as EchoAnswer;

describe("choiceCount", () => {
  it("is n, 1 when absent, and rejects what OpenAI rejects", () => {
    assert.equal(choiceCount({}), 1);
    assert.equal(choiceCount({ n: null }), 1);
    assert.equal(choiceCount({ n: 3 }), 3);
    for (const n of [0, 129, 1.5, "2"]) {
      assert.throws(
        () => choiceCount({ n }),
        (e: unknown) => e instanceof GatewayError && e.code === "upstream_rejected" && e.upstreamStatus === 400,
      );
    }
  });
});

describe("completionChoices", () => {
  it("repeats a text answer n times", () => {
    assert.deepEqual(completionChoices(text({ n: 2 })), [
      { index: 0, message: { role: "assistant", content: "hi there", refusal: null }, logprobs: null, finish_reason: "stop" },
      { index: 1, message: { role: "assistant", content: "hi there", refusal: null }, logprobs: null, finish_reason: "stop" },
    ]);
  });

  it("carries logprobs per piece when asked", () => {
    const [choice] = completionChoices(text({ logprobs: { top: 0 } }));
    assert.deepEqual(choice?.logprobs, {
      content: [
        { token: "hi ", logprob: 0, bytes: [104, 105, 32], top_logprobs: [] },
        { token: "there", logprob: 0, bytes: [116, 104, 101, 114, 101], top_logprobs: [] },
      ],
      refusal: null,
    });
  });

  it("answers tool calls with null content", () => {
    assert.deepEqual(completionChoices(tools({ logprobs: { top: 0 } })), [
      {
        index: 0,
        message: { role: "assistant", content: null, refusal: null, tool_calls: [call] },
        logprobs: { content: null, refusal: null },
        finish_reason: "tool_calls",
      },
    ]);
  });
});

describe("streamChoices", () => {
  it("streams text piece by piece, role first and finish_reason last", () => {
    assert.deepEqual(streamChoices(text()), [
      { index: 0, delta: { role: "assistant", content: "hi " }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: "there" }, logprobs: null, finish_reason: "stop" },
    ]);
  });

  it("streams an empty answer as one chunk with empty content", () => {
    assert.deepEqual(streamChoices(text({ content: "", pieces: [], logprobs: { top: 0 } })), [
      { index: 0, delta: { role: "assistant", content: "" }, logprobs: { content: [], refusal: null }, finish_reason: "stop" },
    ]);
  });

  it("gives each choice its own chunks, taking turns", () => {
    const chunks = streamChoices(text({ n: 3, logprobs: { top: 0 } }));
    assert.deepEqual(
      chunks.map((c) => [c.index, (c.delta as { content: string }).content, c.finish_reason]),
      [
        [0, "hi ", null],
        [1, "hi ", null],
        [2, "hi ", null],
        [0, "there", "stop"],
        [1, "there", "stop"],
        [2, "there", "stop"],
      ],
    );
    assert.deepEqual(chunks[4]?.logprobs, {
      content: [{ token: "there", logprob: 0, bytes: [116, 104, 101, 114, 101], top_logprobs: [] }],
      refusal: null,
    });
  });

  it("streams tool calls as OpenAI does: opening, argument fragments by index, empty delta with finish_reason", () => {
    const second = { id: "call_b", type: "function" as const, function: { name: "g", arguments: "{}" } };
    assert.deepEqual(
      streamChoices(
        tools({
          calls: [call, second],
          fragments: [
            ['{"q":', '"x ', 'y"}'],
            ["{", "}"],
          ],
        }),
      ),
      [
        {
          index: 0,
          delta: {
            role: "assistant",
            content: null,
            tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "f", arguments: "" } }],
          },
          logprobs: null,
          finish_reason: null,
        },
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] }, logprobs: null, finish_reason: null },
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"x ' } }] }, logprobs: null, finish_reason: null },
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'y"}' } }] }, logprobs: null, finish_reason: null },
        {
          index: 0,
          delta: { tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "g", arguments: "" } }] },
          logprobs: null,
          finish_reason: null,
        },
        { index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: "{" } }] }, logprobs: null, finish_reason: null },
        { index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: "}" } }] }, logprobs: null, finish_reason: null },
        { index: 0, delta: {}, logprobs: null, finish_reason: "tool_calls" },
      ],
    );
  });
});
