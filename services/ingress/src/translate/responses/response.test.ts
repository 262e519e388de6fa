import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatCompletion } from "../chat-types.js";
import { fixture, wire } from "../test-support/fixtures.js";
import { outputText } from "../test-support/sdk-emulation.js";
import { chatToResponse, responseIdFrom } from "./response.js";
import type { ResponsesRequest, ResponsesResponse } from "./types.js";

function completion(message: ChatCompletion["choices"][number]["message"], finish_reason: string | null): ChatCompletion {
  return {
    id: "chatcmpl-abc",
    object: "chat.completion",
    created: 1741476542,
    model: "gpt-4o-mini-2024-07-18",
    choices: [{ index: 0, message, finish_reason }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

const request: ResponsesRequest = { model: "gpt-5.4", input: "Hi" };

describe("chatToResponse", () => {
  it("reproduces the docs' text-input response, apart from documented choices", () => {
    const docs = fixture<ResponsesResponse>("responses/text-input.response.json");
    const response = chatToResponse(fixture("chat/responses-text-input.completion.json"), fixture("responses/text-input.request.json"), {
      completedAt: 1741476543,
    });
    assert.equal(response.id, docs.id);
    assert.deepEqual(wire(response), {
      ...docs,
      // Item ids derive from the response id (the docs' message id is independent of it).
      output: [{ ...docs.output[0]!, id: "msg_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b" }],
      // Unset sampling settings are the upstream model's business: echoed as null, not guessed.
      temperature: null,
      top_p: null,
      // The gateway stores nothing.
      store: false,
      // Chat usage reports cache reads, not cache writes.
      usage: { ...docs.usage!, input_tokens_details: { cached_tokens: 0 } },
    });
    assert.equal(
      outputText(wire(response)),
      docs.output[0]?.type === "message" && docs.output[0].content[0]?.type === "output_text" ? docs.output[0].content[0].text : "",
    );
  });

  it("reproduces the docs' function-calling response, apart from documented choices", () => {
    const docs = fixture<ResponsesResponse>("responses/functions.response.json");
    const response = chatToResponse(fixture("chat/responses-functions.completion.json"), fixture("responses/functions.request.json"), {
      completedAt: 1741294022,
    });
    assert.deepEqual(wire(response), {
      ...docs,
      output: [{ ...docs.output[0]!, id: "fc_67ca09c5efe0819096d0511c92b8c890096610f474011cc0_0" }],
      temperature: null,
      top_p: null,
      store: false,
      // The request did not say strict; the gateway does not claim the upstream enforced it.
      tools: [{ ...docs.tools[0]!, strict: null }],
      usage: { ...docs.usage!, input_tokens_details: { cached_tokens: 0 } },
    });
    assert.equal(outputText(response), "");
  });

  it("marks a response cut by the token limit incomplete, with its last item", () => {
    const response = chatToResponse(completion({ role: "assistant", content: "Once upon a" }, "length"), {
      ...request,
      max_output_tokens: 3,
    });
    assert.equal(response.status, "incomplete");
    assert.deepEqual(response.incomplete_details, { reason: "max_output_tokens" });
    assert.equal(response.completed_at, null);
    assert.equal(response.max_output_tokens, 3);
    assert.deepEqual(response.output, [
      {
        type: "message",
        id: "msg_abc",
        status: "incomplete",
        role: "assistant",
        content: [{ type: "output_text", text: "Once upon a", annotations: [] }],
      },
    ]);
    assert.equal(outputText(response), "Once upon a");
    const filtered = chatToResponse(completion({ role: "assistant", content: "" }, "content_filter"), request);
    assert.deepEqual([filtered.status, filtered.incomplete_details, filtered.output], ["incomplete", { reason: "content_filter" }, []]);
  });

  it("puts text before tool calls, each call its own item with its call id", () => {
    const response = chatToResponse(
      completion(
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            { id: "call_p", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "call_r", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
          ],
        },
        "tool_calls",
      ),
      request,
      { id: "resp_xyz" },
    );
    assert.deepEqual(
      response.output.map((item) => [item.type, item.id, item.type === "function_call" ? item.call_id : undefined]),
      [
        ["message", "msg_xyz", undefined],
        ["function_call", "fc_xyz_1", "call_p"],
        ["function_call", "fc_xyz_2", "call_r"],
      ],
    );
    assert.equal(response.id, "resp_xyz");
    assert.equal(outputText(response), "Checking.");
  });

  it("carries a refusal as a refusal part, which adds nothing to output_text", () => {
    const response = chatToResponse(completion({ role: "assistant", content: null, refusal: "I can't help with that." }, "stop"), request);
    assert.deepEqual(response.output[0], {
      type: "message",
      id: "msg_abc",
      status: "completed",
      role: "assistant",
      content: [{ type: "refusal", refusal: "I can't help with that." }],
    });
    assert.equal(outputText(response), "");
  });

  it("echoes the request's settings", () => {
    const full: ResponsesRequest = {
      model: "alias-model",
      input: "Hi",
      instructions: "Be brief.",
      max_output_tokens: 100,
      temperature: 0.2,
      top_p: 0.5,
      parallel_tool_calls: false,
      tool_choice: { type: "function", name: "f" },
      tools: [{ type: "function", name: "f", description: "d", parameters: { type: "object" }, strict: true }],
      text: { format: { type: "json_object" }, verbosity: "low" },
      reasoning: { effort: "low" },
      metadata: { team: "a" },
      user: "u1",
    };
    const response = chatToResponse(completion({ role: "assistant", content: "{}" }, "stop"), full, { completedAt: 5 });
    const {
      id,
      created_at,
      completed_at,
      model,
      instructions,
      max_output_tokens,
      temperature,
      top_p,
      parallel_tool_calls,
      tool_choice,
      tools,
      text,
      reasoning,
      metadata,
      user,
    } = response;
    assert.deepEqual(
      {
        id,
        created_at,
        completed_at,
        model,
        instructions,
        max_output_tokens,
        temperature,
        top_p,
        parallel_tool_calls,
        tool_choice,
        tools,
        text,
        reasoning,
        metadata,
        user,
      },
      {
        id: "resp_abc",
        created_at: 1741476542,
        completed_at: 5,
        model: "alias-model",
        instructions: "Be brief.",
        max_output_tokens: 100,
        temperature: 0.2,
        top_p: 0.5,
        parallel_tool_calls: false,
        tool_choice: { type: "function", name: "f" },
        tools: [{ type: "function", name: "f", description: "d", parameters: { type: "object" }, strict: true }],
        text: { format: { type: "json_object" }, verbosity: "low" },
        reasoning: { effort: "low", summary: null },
        metadata: { team: "a" },
        user: "u1",
      },
    );
  });

  it("maps usage with its details, and leaves it null when the upstream sent none", () => {
    const withDetails: ChatCompletion = {
      ...completion({ role: "assistant", content: "x" }, "stop"),
      usage: {
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920 },
        completion_tokens_details: { reasoning_tokens: 128 },
      },
    };
    assert.deepEqual(chatToResponse(withDetails, request).usage, {
      input_tokens: 2006,
      input_tokens_details: { cached_tokens: 1920 },
      output_tokens: 300,
      output_tokens_details: { reasoning_tokens: 128 },
      total_tokens: 2306,
    });
    assert.equal(chatToResponse({ ...withDetails, usage: undefined }, request).usage, null);
  });

  it("derives the response id from the completion id", () => {
    assert.equal(responseIdFrom("chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"), "resp_B9MBs8CjcvOU2jLn4n570S5qMJKcT");
    assert.match(responseIdFrom(undefined), /^resp_[0-9a-f]{24}$/);
    assert.ok(Number.isSafeInteger(chatToResponse(completion({ role: "assistant", content: "x" }, "stop"), request).completed_at));
  });
});
