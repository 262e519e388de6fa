import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { type ChatCompletionRequest, ChatCompletionRequestSchema } from "../../schemas/chat-completions.js";
import type { ChatRequest } from "../chat-types.js";
import { fixture } from "../test-support/fixtures.js";
import { responsesToChat, validateResponsesRequest } from "./request.js";

/** Compile-time proof that every translated request is a body the chat pipeline accepts. */
const asChatBody = (chat: ChatRequest): ChatCompletionRequest => chat;

function translate(body: unknown): ChatRequest {
  const result = validateResponsesRequest(body);
  if (!result.ok) assert.fail(`unexpected validation error: ${result.error.message}`);
  const chat = responsesToChat(result.value);
  assert.ok(
    Value.Check(ChatCompletionRequestSchema, asChatBody(chat)),
    `not a valid chat request: ${JSON.stringify([...Value.Errors(ChatCompletionRequestSchema, chat)][0])}`,
  );
  return chat;
}

const weatherTool = {
  type: "function",
  function: {
    name: "get_current_weather",
    description: "Get the current weather in a given location",
    parameters: {
      type: "object",
      properties: {
        location: { type: "string", description: "The city and state, e.g. San Francisco, CA" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["location", "unit"],
    },
  },
};

describe("responsesToChat", () => {
  it("translates the docs' text input", () => {
    assert.deepEqual(translate(fixture("responses/text-input.request.json")), {
      model: "gpt-5.4",
      messages: [{ role: "user", content: "Tell me a three sentence bedtime story about a unicorn." }],
    });
  });

  it("puts instructions first and asks a stream for its usage chunk (docs' streaming request)", () => {
    assert.deepEqual(translate(fixture("responses/streaming.request.json")), {
      model: "gpt-5.4",
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: "Hello!" },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("translates the docs' image input into text and image_url parts", () => {
    assert.deepEqual(translate(fixture("responses/image-input.request.json")).messages, [
      {
        role: "user",
        content: [
          { type: "text", text: "what is in this image?" },
          {
            type: "image_url",
            image_url: {
              url: "https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg",
            },
          },
        ],
      },
    ]);
  });

  it("flattens the docs' function tools into chat tools and keeps tool_choice", () => {
    const chat = translate(fixture("responses/functions.request.json"));
    assert.deepEqual(chat.tools, [weatherTool]);
    assert.equal(chat.tool_choice, "auto");
  });

  it("turns a function_call item and its output into assistant tool_calls and a tool message", () => {
    assert.deepEqual(translate(fixture("responses/function-call-output.request.json")).messages, [
      { role: "user", content: "What is the weather like in Boston today?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_unLAR8MvFNptuiZK6K6HCy5k",
            type: "function",
            function: { name: "get_current_weather", arguments: '{"location":"Boston, MA","unit":"celsius"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_unLAR8MvFNptuiZK6K6HCy5k", content: '{"temperature": 14, "unit": "celsius"}' },
    ]);
  });

  it("attaches function calls to the assistant message before them and drops reasoning items", () => {
    const chat = translate({
      model: "gpt-5.4",
      input: [
        { type: "message", role: "user", content: [{ type: "input_text", text: "Weather in Paris and Rome?" }] },
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "gAAAA" },
        {
          type: "message",
          id: "msg_1",
          status: "completed",
          role: "assistant",
          content: [
            { type: "output_text", text: "Checking both", annotations: [] },
            { type: "output_text", text: " cities.", annotations: [] },
          ],
        },
        { type: "function_call", call_id: "call_p", name: "get_weather", arguments: '{"city":"Paris"}' },
        { type: "function_call", call_id: "call_r", name: "get_weather", arguments: '{"city":"Rome"}' },
        { type: "function_call_output", call_id: "call_p", output: "18C" },
        {
          type: "function_call_output",
          call_id: "call_r",
          output: [
            { type: "input_text", text: "21" },
            { type: "input_text", text: "C" },
          ],
        },
        { role: "assistant", content: "Paris 18C, Rome 21C." },
        { role: "user", content: "Thanks" },
      ],
    });
    assert.deepEqual(chat.messages, [
      { role: "user", content: [{ type: "text", text: "Weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: "Checking both cities.",
        tool_calls: [
          { id: "call_p", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "call_r", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_p", content: "18C" },
      { role: "tool", tool_call_id: "call_r", content: "21C" },
      { role: "assistant", content: "Paris 18C, Rome 21C." },
      { role: "user", content: "Thanks" },
    ]);
  });

  it("moves images and files from function outputs into a user message after the tool messages", () => {
    const chat = translate({
      model: "m",
      input: [
        { type: "function_call", call_id: "c1", name: "screenshot", arguments: "{}" },
        { type: "function_call", call_id: "c2", name: "export", arguments: "{}" },
        {
          type: "function_call_output",
          call_id: "c1",
          output: [{ type: "input_image", image_url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" }],
        },
        {
          type: "function_call_output",
          call_id: "c2",
          output: [{ type: "input_file", file_data: "data:application/pdf;base64,JVBERi0=", filename: "r.pdf" }],
        },
        { role: "user", content: "What do you see?" },
      ],
    });
    assert.deepEqual(chat.messages.slice(1), [
      { role: "tool", tool_call_id: "c1", content: "" },
      { role: "tool", tool_call_id: "c2", content: "" },
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
          { type: "file", file: { filename: "r.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } },
        ],
      },
      { role: "user", content: "What do you see?" },
    ]);
  });

  it("keeps system and developer roles, with text parts", () => {
    const chat = translate({
      model: "m",
      instructions: "Be brief.",
      input: [
        { role: "developer", content: "Answer in French." },
        { role: "system", content: [{ type: "input_text", text: "No emoji." }] },
        { role: "user", content: [{ type: "input_file", file_data: "data:application/pdf;base64,JVBERi0=" }] },
      ],
    });
    assert.deepEqual(chat.messages, [
      { role: "system", content: "Be brief." },
      { role: "developer", content: "Answer in French." },
      { role: "system", content: [{ type: "text", text: "No emoji." }] },
      { role: "user", content: [{ type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=" } }] },
    ]);
  });

  it("maps sampling, limits, text format, verbosity, reasoning, metadata and user", () => {
    const chat = translate({
      model: "gpt-5.4",
      input: "Extract the event.",
      max_output_tokens: 500,
      temperature: 0.3,
      top_p: 0.8,
      parallel_tool_calls: false,
      tool_choice: { type: "function", name: "get_current_weather" },
      tools: [{ type: "function", name: "get_current_weather", parameters: weatherTool.function.parameters, strict: true }],
      text: {
        format: {
          type: "json_schema",
          name: "calendar_event",
          schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false },
          strict: true,
        },
        verbosity: "low",
      },
      reasoning: { effort: "minimal" },
      metadata: { team: "search" },
      user: "user-1234",
      store: true,
      include: ["reasoning.encrypted_content"],
    });
    assert.deepEqual(chat, {
      model: "gpt-5.4",
      messages: [{ role: "user", content: "Extract the event." }],
      max_completion_tokens: 500,
      temperature: 0.3,
      top_p: 0.8,
      tools: [{ type: "function", function: { name: "get_current_weather", parameters: weatherTool.function.parameters, strict: true } }],
      tool_choice: { type: "function", function: { name: "get_current_weather" } },
      parallel_tool_calls: false,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "calendar_event",
          schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false },
          strict: true,
        },
      },
      verbosity: "low",
      reasoning_effort: "minimal",
      metadata: { team: "search" },
      user: "user-1234",
    });
  });

  it("maps json_object, leaves the default text format implicit, and treats nulls as absent", () => {
    assert.deepEqual(translate({ model: "m", input: "x", text: { format: { type: "json_object" } } }).response_format, {
      type: "json_object",
    });
    assert.equal(translate({ model: "m", input: "x", text: { format: { type: "text" } } }).response_format, undefined);
    assert.deepEqual(
      translate({ model: "m", input: "x", instructions: null, temperature: null, tools: null, metadata: null, stream: false, text: null }),
      {
        model: "m",
        messages: [{ role: "user", content: "x" }],
      },
    );
  });
});

describe("validateResponsesRequest", () => {
  const problem = (body: unknown) => {
    const result = validateResponsesRequest(body);
    assert.equal(result.ok, false, `expected ${JSON.stringify(body)} to be rejected`);
    return result.ok ? undefined : result.error;
  };
  const valid = { model: "gpt-5.4", input: "Hello!" };

  it("accepts every docs fixture unchanged", () => {
    for (const name of ["text-input", "image-input", "functions", "streaming", "function-call-output"]) {
      const body = fixture(`responses/${name}.request.json`);
      const result = validateResponsesRequest(body);
      assert.ok(result.ok, name);
      assert.equal(result.value, body);
    }
  });

  it("names missing required fields the way the chat endpoint does", () => {
    assert.deepEqual(problem({ input: "x" }), { param: "model", message: "Missing required parameter: 'model'." });
    assert.deepEqual(problem({ model: "m" }), { param: "input", message: "Missing required parameter: 'input'." });
    assert.deepEqual(problem({ ...valid, input: [{ role: "user" }] }), {
      param: "input[0].content",
      message: "Missing required parameter: 'input[0].content'.",
    });
    assert.deepEqual(problem({ ...valid, input: [{ type: "function_call_output", output: "x" }] }), {
      param: "input[0].call_id",
      message: "Missing required parameter: 'input[0].call_id'.",
    });
  });

  it("rejects wrong types without coercing them", () => {
    assert.deepEqual(problem({ ...valid, max_output_tokens: "500" }), {
      param: "max_output_tokens",
      message: "Invalid type for 'max_output_tokens': expected an integer, but got a string instead.",
    });
    assert.deepEqual(problem({ ...valid, input: 42 }), {
      param: "input",
      message: "Invalid type for 'input': expected an array, but got an integer instead.",
    });
    assert.deepEqual(problem({ ...valid, stream: 1 }), {
      param: "stream",
      message: "Invalid type for 'stream': expected a boolean, but got an integer instead.",
    });
    assert.deepEqual(problem({ ...valid, metadata: { n: 1 } }), {
      param: "metadata.n",
      message: "Invalid type for 'metadata.n': expected a string, but got an integer instead.",
    });
    assert.deepEqual(problem({ ...valid, input: [{ role: "user", content: [{ type: "input_text", text: ["a"] }] }] }), {
      param: "input[0].content[0].text",
      message: "Invalid type for 'input[0].content[0].text': expected a string, but got an array instead.",
    });
    assert.equal(problem([valid])?.message, "Invalid type for 'body': expected an object, but got an array instead.");
  });

  it("rejects out-of-range and unknown values", () => {
    assert.equal(problem({ ...valid, temperature: 2.5 })?.message, "Invalid value for 'temperature': must be less than or equal to 2.");
    assert.equal(problem({ ...valid, max_output_tokens: 0 })?.param, "max_output_tokens");
    assert.equal(problem({ ...valid, input: [] })?.message, "Invalid value for 'input': must contain at least one item.");
    assert.deepEqual(problem({ ...valid, input: [{ role: "tool", content: "x" }] }), {
      param: "input[0].role",
      message: "Invalid value for 'input[0].role': 'tool' is not one of 'user', 'assistant', 'system', 'developer'.",
    });
    assert.equal(problem({ ...valid, tool_choice: "any" })?.param, "tool_choice");
    assert.equal(problem({ ...valid, text: { format: { type: "xml" } } })?.param, "text.format.type");
    assert.equal(problem({ ...valid, text: { format: { type: "json_schema", name: "x" } } })?.param, "text.format.schema");
    assert.equal(problem({ ...valid, text: { verbosity: "max" } })?.param, "text.verbosity");
    assert.equal(
      problem({ ...valid, input: [{ role: "user", content: [{ type: "input_image", image_url: "https://x", detail: "ultra" }] }] })?.param,
      "input[0].content[0].detail",
    );
  });

  it("checks each content part against its role", () => {
    const part = (role: string, p: unknown) => problem({ ...valid, input: [{ role, content: [p] }] });
    assert.equal(part("user", { type: "output_text", text: "x" })?.param, "input[0].content[0].type");
    assert.equal(part("system", { type: "input_image", image_url: "https://x" })?.param, "input[0].content[0].type");
    assert.equal(part("assistant", { type: "input_image", image_url: "https://x" })?.param, "input[0].content[0].type");
    assert.equal(
      part("user", { type: "input_audio" })?.message,
      "Invalid value for 'input[0].content[0].type': content of type 'input_audio' is not supported by this gateway.",
    );
    assert.equal(part("user", { type: "input_image" })?.param, "input[0].content[0].image_url");
    assert.equal(part("user", { text: "x" })?.param, "input[0].content[0].type");
    assert.equal(part("assistant", { type: "refusal" })?.param, "input[0].content[0].refusal");
  });

  it("rejects what needs OpenAI's stored state or hosted tools, by name", () => {
    assert.deepEqual(problem({ ...valid, previous_response_id: "resp_123" }), {
      param: "previous_response_id",
      message:
        "Invalid value for 'previous_response_id': this gateway does not store responses or prompts; send the whole conversation as input.",
    });
    assert.equal(problem({ ...valid, conversation: "conv_1" })?.param, "conversation");
    assert.equal(problem({ ...valid, prompt: { id: "pmpt_1" } })?.param, "prompt");
    assert.equal(problem({ ...valid, background: true })?.param, "background");
    assert.equal(problem({ ...valid, input: [{ type: "item_reference", id: "msg_1" }] })?.param, "input[0].type");
    assert.equal(problem({ ...valid, input: [{ type: "web_search_call", id: "ws_1" }] })?.param, "input[0].type");
    assert.deepEqual(problem({ ...valid, tools: [{ type: "web_search" }] }), {
      param: "tools[0].type",
      message: "Invalid value for 'tools[0].type': built-in tool 'web_search' is not supported by this gateway; only function tools are.",
    });
    assert.equal(problem({ ...valid, tool_choice: { type: "file_search" } })?.param, "tool_choice.type");
    assert.equal(
      problem({ ...valid, input: [{ role: "user", content: [{ type: "input_image", file_id: "file-1" }] }] })?.param,
      "input[0].content[0].file_id",
    );
    assert.equal(
      problem({ ...valid, input: [{ role: "user", content: [{ type: "input_file", file_url: "https://x/a.pdf" }] }] })?.param,
      "input[0].content[0].file_url",
    );
    assert.ok(validateResponsesRequest({ ...valid, previous_response_id: null, background: false, store: false }).ok);
  });

  it("checks function tools and items", () => {
    assert.equal(problem({ ...valid, tools: [{ type: "function" }] })?.param, "tools[0].name");
    assert.equal(problem({ ...valid, tools: [{ type: "function", name: "f", parameters: "{}" }] })?.param, "tools[0].parameters");
    assert.equal(problem({ ...valid, tools: [{ name: "f" }] })?.param, "tools[0].type");
    assert.equal(
      problem({ ...valid, input: [{ type: "function_call", call_id: "c", name: "f", arguments: {} }] })?.param,
      "input[0].arguments",
    );
    assert.equal(problem({ ...valid, input: [{ type: "function_call_output", call_id: "c", output: 5 }] })?.param, "input[0].output");
  });
});
