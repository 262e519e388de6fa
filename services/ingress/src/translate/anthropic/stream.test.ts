import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatCompletion, ChatCompletionChunk } from "../chat-types.js";
import { encodeSseEvent, serializeEvents } from "../common.js";
import { chunk, fixture, toolDelta, wire } from "../test-support/fixtures.js";
import { accumulateAnthropic as accumulate } from "../test-support/sdk-emulation.js";
import { anthropicMessageId, chatToAnthropicMessage } from "./response.js";
import { AnthropicStreamTranslator } from "./stream.js";
import type { AnthropicStreamEvent } from "./types.js";

function run(chunks: ChatCompletionChunk[], options: { id?: string; model?: string } = {}) {
  const translator = new AnthropicStreamTranslator();
  const events = translator.start({ model: options.model ?? "claude-sonnet-4-5", id: options.id ?? "msg_test" });
  for (const chunk of chunks) events.push(...translator.push(chunk));
  events.push(...translator.finish());
  return events;
}

const usageChunk = (prompt: number, completion: number): ChatCompletionChunk => ({
  id: "chatcmpl-123",
  choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
});

describe("AnthropicStreamTranslator", () => {
  it("reproduces the docs' tool-use stream from the equivalent chat chunks", () => {
    const chunks = fixture<ChatCompletionChunk[]>("chat/anthropic-stream-tool-use.chunks.json");
    const events = run(chunks, { id: anthropicMessageId(chunks[0]!.id), model: "claude-3-haiku-20240307" });
    const docs = fixture<AnthropicStreamEvent[]>("anthropic/stream-tool-use.events.json");
    // Differences by design: no keep-alive ping, no empty first input_json_delta, usage counted
    // at the end (a chat stream reports it last), so message_start says 0 and message_delta
    // repeats input_tokens.
    const expected = docs
      .filter((e) => e.data.type !== "ping")
      .filter(
        (e) => !(e.data.type === "content_block_delta" && e.data.delta.type === "input_json_delta" && e.data.delta.partial_json === ""),
      );
    const start = expected[0]!.data;
    assert.ok(start.type === "message_start");
    start.message.usage = { input_tokens: 0, output_tokens: 0 };
    const delta = expected.at(-2)!.data;
    assert.ok(delta.type === "message_delta");
    delta.usage = { output_tokens: 89, input_tokens: 472 };

    assert.deepEqual(
      wire(events).map((e) => e.event),
      expected.map((e) => e.event),
    );
    // Key order differs from the docs' JSON; compare as data.
    assert.deepEqual(wire(events), expected);

    const message = accumulate(events);
    assert.equal(message.content[0]?.type === "text" && message.content[0].text, "Okay, let's check the weather for San Francisco, CA:");
    assert.deepEqual(message.content[1], {
      type: "tool_use",
      id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
      name: "get_weather",
      input: { location: "San Francisco, CA", unit: "fahrenheit" },
    });
  });

  it("reproduces the docs' basic text stream", () => {
    const events = run(
      [
        chunk({ role: "assistant", content: "" }),
        chunk({ content: "Hello" }),
        chunk({ content: "!" }),
        chunk({}, "stop"),
        usageChunk(25, 15),
      ],
      {
        id: "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
        model: "claude-sonnet-4-20250514",
      },
    );
    const docs = fixture<AnthropicStreamEvent[]>("anthropic/stream-basic.events.json").filter((e) => e.event !== "ping");
    assert.deepEqual(
      events.map((e) => e.event),
      docs.map((e) => e.event),
    );
    assert.deepEqual(wire(events.slice(1, -2)), docs.slice(1, -2));
    assert.deepEqual(events.at(-2)!.data, {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 15, input_tokens: 25 },
    });
  });

  it("builds, through the events, the same message as the non-streaming translation", () => {
    const completion = fixture<ChatCompletion>("chat/anthropic-tool-use.completion.json");
    const call = completion.choices[0]!.message.tool_calls![0]!;
    const args = call.function.arguments;
    const chunks = [
      chunk({ role: "assistant", content: "" }),
      chunk({ content: completion.choices[0]!.message.content!.slice(0, 10) }),
      chunk({ content: completion.choices[0]!.message.content!.slice(10) }),
      chunk(toolDelta(0, { id: call.id, name: call.function.name, args: "" })),
      chunk(toolDelta(0, { args: args.slice(0, 7) })),
      chunk(toolDelta(0, { args: args.slice(7) })),
      chunk({}, "tool_calls"),
      { ...usageChunk(82, 17) },
    ];
    const streamed = accumulate(run(chunks, { id: anthropicMessageId(completion.id), model: "claude-opus-4-1" }));
    assert.deepEqual(streamed, wire(chatToAnthropicMessage(completion, "claude-opus-4-1")));
  });

  it("streams several tool calls as consecutive tool_use blocks", () => {
    const events = run([
      chunk({ role: "assistant", content: null }),
      chunk(toolDelta(0, { id: "call_a", name: "get_weather", args: '{"location":' })),
      chunk(toolDelta(0, { args: '"Paris"}' })),
      chunk(toolDelta(1, { id: "call_b", name: "get_time", args: "" })),
      chunk(toolDelta(1, { args: '{"tz":"CET"}' })),
      chunk({}, "tool_calls"),
    ]);
    assert.deepEqual(
      events.map((e) => [e.event, "index" in e.data ? e.data.index : undefined]),
      [
        ["message_start", undefined],
        ["content_block_start", 0],
        ["content_block_delta", 0],
        ["content_block_delta", 0],
        ["content_block_stop", 0],
        ["content_block_start", 1],
        ["content_block_delta", 1],
        ["content_block_stop", 1],
        ["message_delta", undefined],
        ["message_stop", undefined],
      ],
    );
    const message = accumulate(events);
    assert.deepEqual(message.content, [
      { type: "tool_use", id: "call_a", name: "get_weather", input: { location: "Paris" } },
      { type: "tool_use", id: "call_b", name: "get_time", input: { tz: "CET" } },
    ]);
    assert.equal(message.stop_reason, "tool_use");
  });

  it("opens a new text block when text follows a tool call", () => {
    const message = accumulate(
      run([
        chunk({ content: "Let me look." }),
        chunk(toolDelta(0, { id: "call_a", name: "f", args: "{}" })),
        chunk({ content: "Done." }),
        chunk({}, "stop"),
      ]),
    );
    assert.deepEqual(
      message.content.map((b) => b.type),
      ["text", "tool_use", "text"],
    );
  });

  it("ends a stream whose only chunk is a finish_reason with an empty message", () => {
    const events = run([chunk({}, "stop")]);
    assert.deepEqual(
      events.map((e) => e.event),
      ["message_start", "message_delta", "message_stop"],
    );
    assert.deepEqual(accumulate(events).content, []);
  });

  it("maps length to max_tokens and content_filter to refusal", () => {
    assert.equal(accumulate(run([chunk({ content: "Once upon" }), chunk({}, "length")])).stop_reason, "max_tokens");
    assert.equal(accumulate(run([chunk({ content: "Once upon" }), chunk({}, "content_filter")])).stop_reason, "refusal");
    const refusal = accumulate(run([chunk({ refusal: "I can't help with that." }), chunk({}, "stop")]));
    assert.deepEqual([refusal.content, refusal.stop_reason], [[{ type: "text", text: "I can't help with that." }], "refusal"]);
  });

  it("takes usage from finish() over the usage chunk, and reports cache reads", () => {
    const translator = new AnthropicStreamTranslator();
    translator.start({ model: "m", id: "msg_x", inputTokens: 100 });
    translator.push(chunk({ content: "hi" }, "stop"));
    translator.push(usageChunk(1, 1));
    const end = translator.finish({
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920 },
    });
    assert.deepEqual(end.find((e) => e.event === "message_delta")?.data, {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 300, input_tokens: 86, cache_read_input_tokens: 1920 },
    });
  });

  it("keeps message_start's input tokens when no usage ever arrives", () => {
    const translator = new AnthropicStreamTranslator();
    const [start] = translator.start({ model: "m", id: "msg_x", inputTokens: 42 });
    assert.deepEqual(start?.data.type === "message_start" && start.data.message.usage, { input_tokens: 42, output_tokens: 0 });
    const end = translator.finish();
    assert.deepEqual(end[0]?.data.type === "message_delta" && end[0].data.usage, { output_tokens: 0 });
  });

  it("holds arguments that arrive before the tool's name, and names an unnamed call at the end", () => {
    const late = accumulate(
      run([chunk(toolDelta(0, { id: "call_a", args: '{"a":' })), chunk(toolDelta(0, { name: "f", args: "1}" })), chunk({}, "tool_calls")]),
    );
    assert.deepEqual(late.content, [{ type: "tool_use", id: "call_a", name: "f", input: { a: 1 } }]);
    const nameless = accumulate(run([chunk(toolDelta(0, { args: "{}" })), chunk({}, "tool_calls")], { id: "msg_q1" }));
    assert.deepEqual(nameless.content, [{ type: "tool_use", id: "toolu_q1_0", name: "", input: {} }]);
  });

  it("still delivers fragments of an interleaved tool call, on that call's block", () => {
    const events = run([
      chunk(toolDelta(0, { id: "call_a", name: "f", args: '{"x":' })),
      chunk(toolDelta(1, { id: "call_b", name: "g", args: '{"y":2}' })),
      chunk(toolDelta(0, { args: "1}" })),
      chunk({}, "tool_calls"),
    ]);
    assert.throws(() => accumulate(events), /delta for a block that is not open/);
    assert.deepEqual(accumulate(events, { allowLateDeltas: true }).content, [
      { type: "tool_use", id: "call_a", name: "f", input: { x: 1 } },
      { type: "tool_use", id: "call_b", name: "g", input: { y: 2 } },
    ]);
  });

  it("accepts a usage chunk without choices and tool calls without an index", () => {
    const events = run([
      {
        id: "x",
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ id: "call_a", type: "function", function: { name: "f", arguments: '{"a":' } }] },
            finish_reason: null,
          },
        ],
      },
      { id: "x", choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: "1}" } }] }, finish_reason: null }] },
      {
        id: "x",
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ id: "call_b", type: "function", function: { name: "g", arguments: "{}" } }] },
            finish_reason: "tool_calls",
          },
        ],
      },
      { id: "x", usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
    ]);
    const message = accumulate(events);
    assert.deepEqual(message.content, [
      { type: "tool_use", id: "call_a", name: "f", input: { a: 1 } },
      { type: "tool_use", id: "call_b", name: "g", input: {} },
    ]);
    assert.deepEqual(message.usage, { input_tokens: 3, output_tokens: 4 });
  });

  it("ignores choices other than the first", () => {
    const message = accumulate(
      run([
        {
          ...chunk({ content: "A" }),
          choices: [
            { index: 1, delta: { content: "B" }, finish_reason: null },
            { index: 0, delta: { content: "A" }, finish_reason: null },
          ],
        },
        chunk({}, "stop"),
      ]),
    );
    assert.deepEqual(message.content, [{ type: "text", text: "A" }]);
  });

  it("ends with an error event and nothing after it", () => {
    const translator = new AnthropicStreamTranslator();
    translator.start({ model: "m", id: "msg_x" });
    translator.push(chunk({ content: "Hel" }));
    assert.deepEqual(translator.error({ type: "overloaded_error", message: "Overloaded" }), [
      { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
    ]);
    assert.deepEqual(translator.push(chunk({ content: "lo" })), []);
    assert.deepEqual(translator.finish(), []);
  });

  it("refuses to be used out of order and finishes only once", () => {
    const translator = new AnthropicStreamTranslator();
    assert.throws(() => translator.push(chunk({ content: "x" })), /start must be called first/);
    assert.throws(() => translator.finish(), /start must be called first/);
    translator.start({ model: "m" });
    assert.throws(() => translator.start({ model: "m" }), /called twice/);
    assert.equal(translator.finish().length, 2);
    assert.deepEqual(translator.finish(), []);
  });

  it("generates a message id when none is given and frames events as SSE", () => {
    const translator = new AnthropicStreamTranslator();
    const [start] = translator.start({ model: "m" });
    assert.match(start?.data.type === "message_start" ? start.data.message.id : "", /^msg_[0-9a-f]{24}$/);
    assert.equal(encodeSseEvent(AnthropicStreamTranslator.ping()), 'event: ping\ndata: {"type":"ping"}\n\n');
    assert.deepEqual(serializeEvents(translator.finish()), [
      {
        event: "message_delta",
        data: '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":0}}',
      },
      { event: "message_stop", data: '{"type":"message_stop"}' },
    ]);
  });
});
