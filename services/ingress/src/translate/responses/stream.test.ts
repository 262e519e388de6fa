import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatCompletion, ChatCompletionChunk } from "../chat-types.js";
import { encodeSseEvent } from "../common.js";
import { chunk, fixture, toolDelta, wire } from "../test-support/fixtures.js";
import { accumulateResponses, outputText } from "../test-support/sdk-emulation.js";
import { chatToResponse, responseIdFrom } from "./response.js";
import { ResponsesStreamTranslator } from "./stream.js";
import type { ResponsesRequest, ResponsesResponse, ResponsesStreamEvent } from "./types.js";

const request: ResponsesRequest = { model: "gpt-5.4", input: "Hi" };

function run(chunks: ChatCompletionChunk[], options: { request?: ResponsesRequest; id?: string } = {}) {
  const translator = new ResponsesStreamTranslator(options.request ?? request);
  const events = translator.start({ id: options.id ?? "resp_s1", createdAt: 1741290958 });
  for (const chunk of chunks) events.push(...translator.push(chunk));
  events.push(...translator.finish(undefined, { completedAt: 1741290959 }));
  return events;
}

const types = (events: ResponsesStreamEvent[]) => events.map((e) => e.event);

describe("ResponsesStreamTranslator", () => {
  it("reproduces the docs' streaming example from the equivalent chat chunks", () => {
    const chunks = fixture<ChatCompletionChunk[]>("chat/responses-streaming.chunks.json");
    const events = run(chunks, { request: fixture("responses/streaming.request.json"), id: responseIdFrom(chunks[0]!.id) });
    const docs = fixture<ResponsesStreamEvent[]>("responses/streaming.events.json");

    // The docs show one delta and elide the rest ("..."); the chat stream here has three.
    const collapse = (names: string[]) => names.filter((name, i) => !(name === "response.output_text.delta" && names[i - 1] === name));
    assert.deepEqual(collapse(types(events)), types(docs));

    // Payloads match the docs except for the documented choices: sequence numbers (the docs
    // example predates them), derived item ids, unset sampling settings as null, store false,
    // the cached-token details, and completed_at (absent from this docs example).
    const messageId = "msg_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654";
    const normalise = ({ completed_at: _c, ...response }: ResponsesResponse) => ({
      ...response,
      temperature: 1.0,
      top_p: 1.0,
      store: true,
    });
    const byType = (list: ResponsesStreamEvent[], type: string) =>
      wire(list.find((e) => e.event === type)!.data) as unknown as Record<string, unknown>;
    const strip = ({ sequence_number: _s, ...rest }: Record<string, unknown>) => rest;
    for (const type of ["response.created", "response.in_progress"]) {
      const ours = byType(events, type);
      assert.deepEqual({ ...strip(ours), response: normalise(ours.response as ResponsesResponse) }, byType(docs, type));
    }
    for (const type of [
      "response.output_item.added",
      "response.content_part.added",
      "response.content_part.done",
      "response.output_item.done",
    ]) {
      const expected = JSON.parse(
        JSON.stringify(byType(docs, type)).replaceAll("msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654", messageId),
      );
      assert.deepEqual(strip(byType(events, type)), expected, type);
    }
    assert.deepEqual(strip(byType(events, "response.output_text.done")), {
      ...byType(docs, "response.output_text.done"),
      item_id: messageId,
      logprobs: [],
    });
    assert.deepEqual(strip(byType(events, "response.output_text.delta")), {
      ...byType(docs, "response.output_text.delta"),
      item_id: messageId,
      logprobs: [],
    });
    const completed = byType(events, "response.completed").response as ResponsesResponse;
    const docsCompleted = byType(docs, "response.completed").response as ResponsesResponse;
    assert.deepEqual(normalise(completed), {
      ...JSON.parse(JSON.stringify(docsCompleted).replaceAll("msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654", messageId)),
      usage: { ...docsCompleted.usage!, input_tokens_details: { cached_tokens: 0 } },
    });
    assert.equal(completed.completed_at, 1741290959);

    const { built, final, terminal } = accumulateResponses(events);
    assert.equal(terminal, "response.completed");
    assert.deepEqual(built.output, final.output);
    assert.equal(outputText(final), "Hi there! How can I assist you today?");
  });

  it("builds, through the events, the same response as the non-streaming translation", () => {
    for (const [name, req] of [
      ["chat/responses-text-input.completion.json", "responses/text-input.request.json"],
      ["chat/responses-functions.completion.json", "responses/functions.request.json"],
    ] as const) {
      const completion = fixture<ChatCompletion>(name);
      const message = completion.choices[0]!.message;
      const chunks: ChatCompletionChunk[] = [chunk({ role: "assistant", content: "" })];
      if (message.content) chunks.push(chunk({ content: message.content.slice(0, 20) }), chunk({ content: message.content.slice(20) }));
      (message.tool_calls ?? []).forEach((call, i) => {
        chunks.push(chunk(toolDelta(i, { id: call.id, name: call.function.name, args: "" })));
        chunks.push(
          chunk(toolDelta(i, { args: call.function.arguments.slice(0, 9) })),
          chunk(toolDelta(i, { args: call.function.arguments.slice(9) })),
        );
      });
      chunks.push(chunk({}, completion.choices[0]!.finish_reason), { choices: [], usage: completion.usage ?? null });

      const translator = new ResponsesStreamTranslator(fixture(req));
      const events = translator.start({ id: responseIdFrom(completion.id), createdAt: completion.created });
      for (const c of chunks) events.push(...translator.push(c));
      events.push(...translator.finish(undefined, { completedAt: 1 }));
      const { built, final } = accumulateResponses(events);
      const expected = wire(chatToResponse(completion, fixture(req), { completedAt: 1 }));
      assert.deepEqual(final, expected, name);
      assert.deepEqual(built.output, expected.output, name);
    }
  });

  it("streams text then several tool calls as sequential items", () => {
    const events = run([
      chunk({ role: "assistant", content: "Checking." }),
      chunk(toolDelta(0, { id: "call_p", name: "get_weather", args: '{"city":' })),
      chunk(toolDelta(0, { args: '"Paris"}' })),
      chunk(toolDelta(1, { id: "call_r", name: "get_weather", args: '{"city":"Rome"}' })),
      chunk({}, "tool_calls"),
    ]);
    assert.deepEqual(types(events), [
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    assert.deepEqual(events[8]?.data, {
      type: "response.output_item.added",
      output_index: 1,
      item: { type: "function_call", id: "fc_s1_1", call_id: "call_p", name: "get_weather", arguments: "", status: "in_progress" },
      sequence_number: 8,
    });
    assert.deepEqual(events[11]?.data, {
      type: "response.function_call_arguments.done",
      item_id: "fc_s1_1",
      output_index: 1,
      name: "get_weather",
      arguments: '{"city":"Paris"}',
      sequence_number: 11,
    });
    const { final } = accumulateResponses(events);
    assert.deepEqual(
      final.output.map((item) =>
        item.type === "function_call" ? [item.call_id, item.arguments, item.status] : [item.id, outputText(final), item.status],
      ),
      [
        ["msg_s1", "Checking.", "completed"],
        ["call_p", '{"city":"Paris"}', "completed"],
        ["call_r", '{"city":"Rome"}', "completed"],
      ],
    );
  });

  it("starts a new message item when text follows a tool call", () => {
    const { final } = accumulateResponses(
      run([chunk({ content: "A" }), chunk(toolDelta(0, { id: "c", name: "f", args: "{}" })), chunk({ content: "B" }), chunk({}, "stop")]),
    );
    assert.deepEqual(
      final.output.map((item) => [item.type, item.id]),
      [
        ["message", "msg_s1"],
        ["function_call", "fc_s1_1"],
        ["message", "msg_s1_2"],
      ],
    );
    assert.equal(outputText(final), "AB");
  });

  it("ends a stream whose only chunk is a finish_reason with an empty completed response", () => {
    const events = run([chunk({}, "stop")]);
    assert.deepEqual(types(events), ["response.created", "response.in_progress", "response.completed"]);
    const { final } = accumulateResponses(events);
    assert.deepEqual([final.status, final.output, final.completed_at, final.usage], ["completed", [], 1741290959, null]);
  });

  it("ends with response.incomplete when the chat stream hit the token limit", () => {
    const events = run(
      [
        chunk({ content: "Once upon" }),
        chunk({}, "length"),
        { choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } },
      ],
      {
        request: { ...request, max_output_tokens: 3 },
      },
    );
    assert.equal(events.at(-1)?.event, "response.incomplete");
    const { final, terminal } = accumulateResponses(events);
    assert.equal(terminal, "response.incomplete");
    assert.deepEqual(
      [
        final.status,
        final.incomplete_details,
        final.completed_at,
        final.max_output_tokens,
        final.output[0]?.status,
        final.usage?.total_tokens,
      ],
      ["incomplete", { reason: "max_output_tokens" }, null, 3, "incomplete", 12],
    );
    const doneItem = events.find((e) => e.event === "response.output_item.done")!.data;
    assert.ok(doneItem.type === "response.output_item.done" && doneItem.item.status === "incomplete");
  });

  it("streams a refusal as a refusal part", () => {
    const events = run([chunk({ refusal: "I can't" }), chunk({ refusal: " help." }), chunk({}, "stop")]);
    assert.deepEqual(types(events).slice(2, -1), [
      "response.output_item.added",
      "response.content_part.added",
      "response.refusal.delta",
      "response.refusal.delta",
      "response.refusal.done",
      "response.content_part.done",
      "response.output_item.done",
    ]);
    const { final } = accumulateResponses(events);
    assert.deepEqual(final.output[0], {
      type: "message",
      id: "msg_s1",
      status: "completed",
      role: "assistant",
      content: [{ type: "refusal", refusal: "I can't help." }],
    });
  });

  it("takes usage from finish() over the usage chunk", () => {
    const translator = new ResponsesStreamTranslator(request);
    translator.start({ id: "resp_u" });
    translator.push(chunk({ content: "x" }, "stop"));
    translator.push({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    const end = translator.finish({
      prompt_tokens: 20,
      completion_tokens: 5,
      total_tokens: 25,
      prompt_tokens_details: { cached_tokens: 8 },
    });
    const last = end.at(-1)!.data;
    assert.ok(last.type === "response.completed");
    assert.deepEqual(last.response.usage, {
      input_tokens: 20,
      input_tokens_details: { cached_tokens: 8 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 25,
    });
  });

  it("holds arguments that arrive before the name and still delivers interleaved fragments", () => {
    const late = accumulateResponses(
      run([chunk(toolDelta(0, { id: "c1", args: '{"a":' })), chunk(toolDelta(0, { name: "f", args: "1}" })), chunk({}, "tool_calls")]),
    );
    assert.deepEqual(late.final.output, [
      { type: "function_call", id: "fc_s1_0", call_id: "c1", name: "f", arguments: '{"a":1}', status: "completed" },
    ]);

    const events = run([
      chunk(toolDelta(0, { id: "c1", name: "f", args: '{"x":' })),
      chunk(toolDelta(1, { id: "c2", name: "g", args: '{"y":2}' })),
      chunk(toolDelta(0, { args: "1}" })),
      chunk({}, "tool_calls"),
    ]);
    assert.throws(() => accumulateResponses(events));
    const { built, final } = accumulateResponses(events, { allowLateDeltas: true });
    assert.deepEqual(
      final.output.map((item) => item.type === "function_call" && item.arguments),
      ['{"x":1}', '{"y":2}'],
    );
    assert.deepEqual(
      built.output.map((item) => item.type === "function_call" && item.arguments),
      ['{"x":1}', '{"y":2}'],
    );
  });

  it("accepts a usage chunk without choices and tool calls without an index", () => {
    const { final } = accumulateResponses(
      run([
        {
          choices: [{ index: 0, delta: { tool_calls: [{ id: "call_a", type: "function", function: { name: "f", arguments: '{"a":' } }] } }],
        },
        { choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: "1}" } }] } }] },
        {
          choices: [
            {
              index: 0,
              delta: { tool_calls: [{ id: "call_b", type: "function", function: { name: "g", arguments: "{}" } }] },
              finish_reason: "tool_calls",
            },
          ],
        },
        { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
      ]),
    );
    assert.deepEqual(
      final.output.map((item) => item.type === "function_call" && [item.call_id, item.arguments]),
      [
        ["call_a", '{"a":1}'],
        ["call_b", "{}"],
      ],
    );
    assert.equal(final.usage?.total_tokens, 7);
  });

  it("names a tool call whose name never arrived and gives it a call id", () => {
    const { final } = accumulateResponses(run([chunk(toolDelta(0, { args: "{}" })), chunk({}, "tool_calls")]));
    assert.deepEqual(final.output, [
      { type: "function_call", id: "fc_s1_0", call_id: "call_s1_0", name: "", arguments: "{}", status: "completed" },
    ]);
  });

  it("echoes the request in every lifecycle event", () => {
    const req: ResponsesRequest = {
      model: "alias",
      input: "x",
      instructions: "Be brief.",
      tools: [{ type: "function", name: "f" }],
      metadata: { a: "b" },
    };
    const events = run([chunk({ content: "ok" }, "stop")], { request: req });
    for (const event of [events[0], events[1], events.at(-1)]) {
      assert.ok(event && "response" in event.data);
      const r = event.data.response;
      assert.deepEqual(
        [r.model, r.instructions, r.tools, r.metadata, r.tool_choice, r.parallel_tool_calls],
        [
          "alias",
          "Be brief.",
          [{ type: "function", name: "f", description: null, parameters: null, strict: null }],
          { a: "b" },
          "auto",
          true,
        ],
      );
    }
  });

  it("fails with response.failed carrying the error and the output so far", () => {
    const translator = new ResponsesStreamTranslator(request);
    const events = translator.start({ id: "resp_f" });
    events.push(...translator.push(chunk({ content: "Hel" })));
    events.push(...translator.fail({ code: "server_error", message: "The model failed to generate a response." }));
    const { final, terminal } = accumulateResponses(events);
    assert.equal(terminal, "response.failed");
    assert.deepEqual(
      [final.status, final.error],
      ["failed", { code: "server_error", message: "The model failed to generate a response." }],
    );
    assert.equal(outputText(final), "Hel");
    assert.deepEqual(translator.push(chunk({ content: "lo" })), []);
    assert.deepEqual(translator.finish(), []);
  });

  it("ignores choices other than the first and frames events as SSE", () => {
    const events = run([
      { ...chunk({}), choices: [{ index: 1, delta: { content: "B" }, finish_reason: null }] },
      chunk({ content: "A" }, "stop"),
    ]);
    assert.equal(outputText(accumulateResponses(events).final), "A");
    assert.equal(encodeSseEvent(events[0]!).split("\n")[0], "event: response.created");
  });

  it("refuses to be used out of order and finishes only once", () => {
    const translator = new ResponsesStreamTranslator(request);
    assert.throws(() => translator.push(chunk({ content: "x" })), /start must be called first/);
    const [created] = translator.start();
    assert.ok(created?.data.type === "response.created");
    assert.match(created.data.response.id, /^resp_[0-9a-f]{24}$/);
    assert.ok(Number.isSafeInteger(created.data.response.created_at));
    assert.throws(() => translator.start(), /called twice/);
    assert.equal(translator.finish().length, 1);
    assert.deepEqual(translator.finish(), []);
  });
});
