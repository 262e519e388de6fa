import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { testCall as adapterContext, collect } from "@switchyard/fake-upstreams";
import type { ChatChunkJson, ChatCompletionJson, ChatRequestJson, JsonObject } from "../types.js";
import { createMockAdapter } from "./index.js";
import { parseMockModel } from "./model-spec.js";
import { toolCallId } from "./tools.js";

const mock = createMockAdapter({ name: "mock", kind: "mock", enabled: true });

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: {
      type: "object",
      properties: { location: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] }, days: { type: "integer" } },
      required: ["location", "unit"],
      additionalProperties: false,
    },
  },
};
const timeTool = {
  type: "function",
  function: { name: "get_time", parameters: { type: "object", properties: { zone: { type: "string" } } } },
};

const ask = (content: string, extra: Partial<ChatRequestJson> = {}): ChatRequestJson => ({
  model: "mock-echo",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content },
  ],
  ...extra,
});

interface Rebuilt {
  index: number;
  role: unknown;
  content: string | null;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
  finish_reason: unknown;
  logprobs: unknown[] | null;
}

/** Rebuilds each choice from the chunks, keyed by choice and tool call index, as the client SDKs do. */
function rebuild(chunks: ChatChunkJson[]): Rebuilt[] {
  const choices: Rebuilt[] = [];
  for (const chunk of chunks) {
    for (const raw of chunk.choices) {
      const choice = raw as { index: number; delta: JsonObject; finish_reason: unknown; logprobs: { content: unknown[] } | null };
      const state = (choices[choice.index] ??= {
        index: choice.index,
        role: undefined,
        content: null,
        finish_reason: null,
        logprobs: null,
      });
      const { delta } = choice;
      if (delta.role !== undefined) state.role = delta.role;
      if (typeof delta.content === "string") state.content = (state.content ?? "") + delta.content;
      for (const call of (delta.tool_calls ?? []) as {
        index: number;
        id?: string;
        type?: string;
        function: { name?: string; arguments?: string };
      }[]) {
        state.tool_calls ??= [];
        const target = (state.tool_calls[call.index] ??= { id: "", type: "", function: { name: "", arguments: "" } });
        if (call.id) target.id = call.id;
        if (call.type) target.type = call.type;
        target.function.name += call.function.name ?? "";
        target.function.arguments += call.function.arguments ?? "";
      }
      if (choice.logprobs) state.logprobs = [...(state.logprobs ?? []), ...choice.logprobs.content];
      if (choice.finish_reason !== null) state.finish_reason = choice.finish_reason;
    }
  }
  return choices;
}

/** The non-streamed choices in the shape `rebuild` gives. */
function flatten(completion: ChatCompletionJson): Rebuilt[] {
  return completion.choices.map((raw) => {
    const choice = raw as {
      index: number;
      message: { role: string; content: string | null; tool_calls?: Rebuilt["tool_calls"] };
      finish_reason: unknown;
      logprobs: { content: unknown[] | null } | null;
    };
    return {
      index: choice.index,
      role: choice.message.role,
      content: choice.message.content,
      ...(choice.message.tool_calls ? { tool_calls: choice.message.tool_calls } : {}),
      finish_reason: choice.finish_reason,
      logprobs: choice.logprobs?.content ?? null,
    };
  });
}

/** Both ways of calling, with the same request id; asserts the stream rebuilds to the completion. */
async function both(request: ChatRequestJson, model = "echo", requestId = "req-7") {
  const completion = await mock.chat(request, adapterContext(model, { requestId }));
  const chunks = await collect(mock.chatStream(request, adapterContext(model, { requestId })));
  assert.deepEqual(rebuild(chunks), flatten(completion), "the stream rebuilds to the non-streamed answer");
  assert.deepEqual(chunks.at(-1)?.usage, completion.usage, "both report the same usage");
  assert.deepEqual(chunks.at(-1)?.choices, []);
  return { completion, chunks, streamed: chunks.slice(0, -1), choice: flatten(completion)[0]! };
}

describe("mock echo: tool calls", () => {
  it("calls the first tool with arguments built from its schema", async () => {
    const { completion, streamed } = await both(ask("Weather in Oslo?", { tools: [weatherTool, timeTool] }));
    assert.deepEqual(completion.choices, [
      {
        index: 0,
        message: {
          role: "assistant",
          content: null,
          refusal: null,
          tool_calls: [
            {
              id: toolCallId("req-7", 0),
              type: "function",
              function: { name: "get_weather", arguments: '{"location":"Weather in Oslo?","unit":"celsius"}' },
            },
          ],
        },
        logprobs: null,
        finish_reason: "tool_calls",
      },
    ]);
    // prompt: "Be brief." 2 + "Weather in Oslo?" 3; completion: the arguments' words ({"location":"Weather / in / Oslo?","unit":"celsius"})
    assert.deepEqual(completion.usage, { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });

    const first = streamed[0]!.choices[0] as { delta: JsonObject };
    assert.deepEqual(first.delta, {
      role: "assistant",
      content: null,
      tool_calls: [{ index: 0, id: toolCallId("req-7", 0), type: "function", function: { name: "get_weather", arguments: "" } }],
    });
    const fragments = streamed.slice(1, -1).map((c) => (c.choices[0] as { delta: JsonObject }).delta);
    assert.deepEqual(fragments, [
      { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Weather in Oslo?"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ',"unit":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"celsius"}' } }] },
    ]);
    assert.deepEqual(streamed.at(-1)!.choices, [{ index: 0, delta: {}, logprobs: null, finish_reason: "tool_calls" }]);
  });

  it("calls the tool tool_choice names", async () => {
    const { choice } = await both(
      ask("What time is it?", { tools: [weatherTool, timeTool], tool_choice: { type: "function", function: { name: "get_time" } } }),
    );
    assert.deepEqual(choice.tool_calls, [
      { id: toolCallId("req-7", 0), type: "function", function: { name: "get_time", arguments: '{"zone":"mock"}' } },
    ]);
  });

  it("calls every tool with the model's tools=all", async () => {
    const { choice, completion } = await both(ask("Oslo", { tools: [weatherTool, timeTool] }), "echo?tools=all");
    assert.deepEqual(
      choice.tool_calls?.map((c) => [c.id, c.function.name, c.function.arguments]),
      [
        [toolCallId("req-7", 0), "get_weather", '{"location":"Oslo","unit":"celsius"}'],
        [toolCallId("req-7", 1), "get_time", '{"zone":"mock"}'],
      ],
    );
    assert.equal(completion.usage?.completion_tokens, 2);
    const single = await mock.chat(
      ask("Oslo", { tools: [weatherTool, timeTool], parallel_tool_calls: false }),
      adapterContext("echo?tools=all"),
    );
    assert.equal((single.choices[0] as { message: { tool_calls: unknown[] } }).message.tool_calls.length, 1);
  });

  it("answers with text when tool_choice is none", async () => {
    const { choice } = await both(ask("just talk", { tools: [weatherTool], tool_choice: "none" }));
    assert.equal(choice.content, "just talk");
    assert.equal(choice.tool_calls, undefined);
  });

  it("answers a tool result with its content", async () => {
    const request: ChatRequestJson = {
      messages: [
        { role: "user", content: "Weather in Oslo?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "call_1", content: "12 degrees and rain" },
      ],
      tools: [weatherTool],
    };
    const { choice, streamed, completion } = await both(request);
    assert.equal(choice.content, "tool result: 12 degrees and rain");
    assert.equal(choice.finish_reason, "stop");
    assert.deepEqual(
      streamed.map((c) => (c.choices[0] as { delta: JsonObject }).delta.content),
      ["tool ", "result: ", "12 ", "degrees ", "and ", "rain"],
    );
    assert.deepEqual(completion.usage, { prompt_tokens: 3 + 4, completion_tokens: 6, total_tokens: 13 });
  });

  it("rejects a tool_choice for a tool that is not offered", async () => {
    const request = ask("x", { tools: [weatherTool], tool_choice: { type: "function", function: { name: "missing" } } });
    await assert.rejects(mock.chat(request, adapterContext("echo")), (e: unknown) => e instanceof GatewayError && e.upstreamStatus === 400);
  });
});

describe("mock echo: response_format", () => {
  it("answers json_object with the text as {echo}, streamed along JSON tokens", async () => {
    const { choice, streamed, completion } = await both(ask("hello json world", { response_format: { type: "json_object" } }));
    assert.equal(choice.content, '{"echo":"hello json world"}');
    assert.deepEqual(JSON.parse(choice.content!), { echo: "hello json world" });
    assert.deepEqual(
      streamed.map((c) => (c.choices[0] as { delta: JsonObject }).delta.content),
      ["{", '"echo"', ":", '"hello ', "json ", 'world"', "}"],
    );
    assert.equal(completion.usage?.completion_tokens, 3);
  });

  it("answers json_schema with an object conforming to the schema", async () => {
    const response_format = {
      type: "json_schema",
      json_schema: {
        name: "plan",
        strict: true,
        schema: {
          type: "object",
          properties: {
            topic: { type: "string" },
            steps: { type: "array", items: { type: "string" } },
            priority: { type: "string", enum: ["low", "high"] },
            owner: { anyOf: [{ type: "string" }, { type: "null" }] },
            estimate: {
              type: "object",
              properties: { hours: { type: "number" }, confident: { type: "boolean" } },
              required: ["hours", "confident"],
              additionalProperties: false,
            },
          },
          required: ["topic", "steps", "priority", "owner", "estimate"],
          additionalProperties: false,
        },
      },
    };
    const { choice } = await both(ask("paint the fence", { response_format }));
    assert.deepEqual(JSON.parse(choice.content!), {
      topic: "paint the fence",
      steps: [],
      priority: "low",
      owner: "mock",
      estimate: { hours: 1, confident: true },
    });
  });

  it("cuts JSON answers like any other at max_tokens", async () => {
    const { choice } = await both(ask("one two three four", { response_format: { type: "json_object" }, max_tokens: 2 }));
    assert.equal(choice.content, '{"echo":"one two');
    assert.equal(choice.finish_reason, "length");
  });
});

describe("mock echo: n, stop, logprobs", () => {
  it("answers n choices, streamed in turns, with completion tokens for all", async () => {
    const { completion, streamed } = await both(ask("a b c", { n: 3 }));
    assert.deepEqual(
      completion.choices.map((c) => [c.index, (c as { message: { content: string } }).message.content, c.finish_reason]),
      [
        [0, "a b c", "stop"],
        [1, "a b c", "stop"],
        [2, "a b c", "stop"],
      ],
    );
    assert.deepEqual(completion.usage, { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 });
    assert.deepEqual(
      streamed.map((c) => c.choices.map((choice) => choice.index)),
      [[0], [1], [2], [0], [1], [2], [0], [1], [2]],
    );
  });

  it("gives each of n tool-call choices the same call", async () => {
    const { completion } = await both(ask("Oslo", { n: 2, tools: [weatherTool] }));
    const calls = completion.choices.map((c) => (c as { message: { tool_calls: unknown } }).message.tool_calls);
    assert.deepEqual(calls[0], calls[1]);
    assert.equal(completion.usage?.completion_tokens, 2);
  });

  it("stops before the first stop sequence", async () => {
    const { choice, completion, streamed } = await both(ask("first part. second part; third", { stop: [";", "."] }));
    assert.equal(choice.content, "first part");
    assert.equal(choice.finish_reason, "stop");
    assert.equal(completion.usage?.completion_tokens, 2);
    assert.deepEqual(finishReasons(streamed), [null, "stop"]);

    const { choice: single } = await both(ask("keep going STOP there", { stop: "STOP" }));
    assert.equal(single.content, "keep going ");

    const { choice: empty, streamed: emptyStream } = await both(ask("STOP now", { stop: "STOP" }));
    assert.equal(empty.content, "");
    assert.deepEqual(
      emptyStream.map((c) => c.choices),
      [[{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: "stop" }]],
    );
  });

  it("reports logprobs per token, in the completion and in each chunk", async () => {
    const { completion, streamed } = await both(ask("hi you", { logprobs: true, top_logprobs: 2 }));
    assert.deepEqual((completion.choices[0] as { logprobs: unknown }).logprobs, {
      content: [
        {
          token: "hi ",
          logprob: 0,
          bytes: [104, 105, 32],
          top_logprobs: [
            { token: "hi ", logprob: 0, bytes: [104, 105, 32] },
            { token: "the", logprob: -1, bytes: [116, 104, 101] },
          ],
        },
        {
          token: "you",
          logprob: 0,
          bytes: [121, 111, 117],
          top_logprobs: [
            { token: "you", logprob: 0, bytes: [121, 111, 117] },
            { token: "the", logprob: -1, bytes: [116, 104, 101] },
          ],
        },
      ],
      refusal: null,
    });
    assert.deepEqual(
      streamed.map((c) => (c.choices[0] as { logprobs: { content: { token: string }[] } }).logprobs.content.map((t) => t.token)),
      [["hi "], ["you"]],
    );
    const plain = await mock.chat(ask("hi you"), adapterContext("echo"));
    assert.equal((plain.choices[0] as { logprobs: unknown }).logprobs, null);
  });
});

describe("mock echo: fail mid tool call", () => {
  it("streams after_chunks chunks of the tool call, then fails", async () => {
    const seen: ChatChunkJson[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of mock.chatStream(ask("Oslo", { tools: [weatherTool] }), adapterContext("fail?status=503&after_chunks=2")))
          seen.push(chunk);
      })(),
      (e: unknown) => e instanceof GatewayError && e.code === "upstream_unavailable",
    );
    assert.deepEqual(
      seen.map(
        (c) => (c.choices[0] as { delta: { tool_calls: { function: { arguments: string } }[] } }).delta.tool_calls[0]!.function.arguments,
      ),
      ["", '{"location":'],
    );
  });
});

describe("mock model names: tools", () => {
  it("reads tools=first|all for echo and rejects anything else", () => {
    assert.deepEqual(parseMockModel("echo?tools=all"), { behaviour: "echo", latencyMs: 0, ttftMs: 0, tools: "all" });
    assert.deepEqual(parseMockModel("echo?tools=first&latency_ms=5"), { behaviour: "echo", latencyMs: 5, ttftMs: 0, tools: "first" });
    for (const [model, message] of [
      ["echo?tools=some", /tools must be one of first, all/],
      ["fail?tools=all", /unknown parameter "tools"/],
    ] as const) {
      assert.throws(
        () => parseMockModel(model),
        (e: unknown) => e instanceof GatewayError && e.code === "upstream_rejected" && message.test(e.message),
        model,
      );
    }
  });
});

function finishReasons(chunks: ChatChunkJson[]): unknown[] {
  return chunks.map((c) => (c.choices[0] as { finish_reason: unknown }).finish_reason);
}
