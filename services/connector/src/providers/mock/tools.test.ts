import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import type { ChatRequestJson } from "../types.js";
import { functionTools, planToolCalls, toolCallId, toolResultText } from "./tools.js";

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
      required: ["city", "unit"],
    },
  },
};
const clock = { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } };
const ask = (extra: Partial<ChatRequestJson> = {}): ChatRequestJson => ({
  messages: [{ role: "user", content: "Oslo" }],
  tools: [weather, clock],
  ...extra,
});
const options = { requestId: "r-1", mode: "first" as const, text: "Oslo" };

describe("planToolCalls", () => {
  it("calls the first tool with arguments sampled from its parameters", () => {
    assert.deepEqual(planToolCalls(ask(), options), [
      { id: toolCallId("r-1", 0), type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo","unit":"c"}' } },
    ]);
  });

  it("calls every tool with tools=all, unless parallel_tool_calls is false", () => {
    const all = planToolCalls(ask(), { ...options, mode: "all" });
    assert.deepEqual(
      all?.map((c) => [c.id, c.function.name, c.function.arguments]),
      [
        [toolCallId("r-1", 0), "get_weather", '{"city":"Oslo","unit":"c"}'],
        [toolCallId("r-1", 1), "get_time", '{"tz":"mock"}'],
      ],
    );
    assert.equal(planToolCalls(ask({ parallel_tool_calls: false }), { ...options, mode: "all" })?.length, 1);
  });

  it("calls the tool tool_choice names, once even with tools=all", () => {
    const forced = planToolCalls(ask({ tool_choice: { type: "function", function: { name: "get_time" } } }), { ...options, mode: "all" });
    assert.deepEqual(
      forced?.map((c) => c.function.name),
      ["get_time"],
    );
    assert.deepEqual(
      planToolCalls(ask({ tool_choice: "required" }), options)?.map((c) => c.function.name),
      ["get_weather"],
    );
    assert.deepEqual(
      planToolCalls(ask({ tool_choice: "auto" }), options)?.map((c) => c.function.name),
      ["get_weather"],
    );
  });

  it("narrows the tools to allowed_tools", () => {
    const tool_choice = {
      type: "allowed_tools",
      allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "get_time" } }] },
    };
    assert.deepEqual(
      planToolCalls(ask({ tool_choice }), { ...options, mode: "all" })?.map((c) => c.function.name),
      ["get_time"],
    );
  });

  it("rejects a tool_choice naming a tool that is not offered, as OpenAI does", () => {
    assert.throws(
      () => planToolCalls(ask({ tool_choice: { type: "function", function: { name: "nope" } } }), options),
      (error: unknown) =>
        error instanceof GatewayError && error.code === "upstream_rejected" && error.upstreamStatus === 400 && /nope/.test(error.message),
    );
  });

  it("answers with text when tools are not offered, tool_choice is none, or the user did not speak last", () => {
    assert.equal(planToolCalls(ask({ tools: [] }), options), undefined);
    assert.equal(planToolCalls(ask({ tools: [{ type: "custom", custom: { name: "x" } }] }), options), undefined);
    assert.equal(planToolCalls(ask({ tool_choice: "none" }), options), undefined);
    const answered = ask({
      messages: [
        { role: "user", content: "Oslo" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "call_1", content: "12 degrees" },
      ],
    });
    assert.equal(planToolCalls(answered, options), undefined);
  });

  it("uses {} arguments for a tool without parameters", () => {
    const bare = ask({ tools: [{ type: "function", function: { name: "ping" } }] });
    assert.equal(planToolCalls(bare, options)?.[0]?.function.arguments, "{}");
  });
});

describe("tool helpers", () => {
  it("makes stable call ids from the request id and index", () => {
    assert.match(toolCallId("r-1", 0), /^call_[0-9a-f]{24}$/);
    assert.equal(toolCallId("r-1", 0), toolCallId("r-1", 0));
    assert.notEqual(toolCallId("r-1", 0), toolCallId("r-1", 1));
    assert.notEqual(toolCallId("r-1", 0), toolCallId("r-2", 0));
  });

  it("reads the last message's text when it is a tool result", () => {
    assert.equal(
      toolResultText({
        messages: [
          { role: "user", content: "x" },
          { role: "tool", content: [{ type: "text", text: "12 degrees" }] },
        ],
      }),
      "12 degrees",
    );
    assert.equal(
      toolResultText({
        messages: [
          { role: "tool", content: "a" },
          { role: "user", content: "b" },
        ],
      }),
      undefined,
    );
  });

  it("keeps only named function tools", () => {
    assert.deepEqual(
      functionTools({ tools: [weather, { type: "function", function: { name: "" } }, { type: "function" }, null, { type: "custom" }] }).map(
        (t) => t.name,
      ),
      ["get_weather"],
    );
  });
});
