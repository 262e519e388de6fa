import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import type { ChatRequestJson } from "../types.js";
import { DEFAULT_MAX_TOKENS, JSON_TOOL_NAME, toAnthropicRequest } from "./request.js";

const translate = (request: ChatRequestJson, stream = false) => toAnthropicRequest(request, "claude-sonnet-4-5", { stream }).body;

const rejects = (request: ChatRequestJson, param: string) =>
  assert.throws(
    () => translate(request),
    (error: unknown) => error instanceof GatewayError && error.code === "invalid_request" && error.param === param,
  );

describe("anthropic request translation", () => {
  it("lifts system and developer messages out, sends the upstream model and defaults max_tokens", () => {
    const request: ChatRequestJson = {
      model: "public-claude",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "Hello" },
      ],
    };
    const copy = structuredClone(request);
    assert.deepEqual(translate(request), {
      model: "claude-sonnet-4-5",
      max_tokens: DEFAULT_MAX_TOKENS,
      messages: [{ role: "user", content: "Hello" }],
      system: "Be brief.\n\nAnswer in French.",
    });
    assert.deepEqual(request, copy);
  });

  it("maps sampling fields, stop sequences, the stream flag and the user, and drops what Anthropic has no field for", () => {
    const body = translate(
      {
        messages: [{ role: "user", content: "Hi" }],
        max_tokens: 100,
        max_completion_tokens: 200,
        temperature: 0.2,
        top_p: 0.9,
        stop: "END",
        user: "user-7",
        seed: 4,
        frequency_penalty: 0.5,
        logit_bias: { "1": 2 },
        stream_options: { include_usage: true },
      },
      true,
    );
    assert.deepEqual(body, {
      model: "claude-sonnet-4-5",
      max_tokens: 200,
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ["END"],
      metadata: { user_id: "user-7" },
    });
    assert.deepEqual(translate({ messages: [{ role: "user", content: "Hi" }], stop: ["a", "b"], max_tokens: 5 }).stop_sequences, [
      "a",
      "b",
    ]);
    assert.equal(translate({ messages: [{ role: "user", content: "Hi" }], max_tokens: 5 }).max_tokens, 5);
    assert.equal(
      toAnthropicRequest({ messages: [{ role: "user", content: "Hi" }] }, "m", { stream: false, defaultMaxTokens: 64 }).body.max_tokens,
      64,
    );
  });

  it("turns images into base64 or url sources and keeps cache_control marks", () => {
    const body = translate({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in these?", cache_control: { type: "ephemeral" } },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "high" } },
            { type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } },
          ],
        },
      ],
    });
    assert.deepEqual(body.messages, [
      {
        role: "user",
        content: [
          { type: "text", text: "What is in these?", cache_control: { type: "ephemeral" } },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" } },
        ],
      },
    ]);
  });

  it("maps tool definitions and every tool_choice", () => {
    const tools = [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather now",
          parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
        },
      },
      { type: "function", function: { name: "ping" } },
    ];
    const base = { messages: [{ role: "user", content: "Weather?" }], tools };
    const body = translate(base);
    assert.deepEqual(body.tools, [
      {
        name: "get_weather",
        description: "Weather now",
        input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
      },
      { name: "ping", input_schema: { type: "object", properties: {} } },
    ]);
    assert.equal(body.tool_choice, undefined);
    assert.deepEqual(translate({ ...base, tool_choice: "auto" }).tool_choice, { type: "auto" });
    assert.deepEqual(translate({ ...base, tool_choice: "none" }).tool_choice, { type: "none" });
    assert.deepEqual(translate({ ...base, tool_choice: "required" }).tool_choice, { type: "any" });
    assert.deepEqual(translate({ ...base, tool_choice: { type: "function", function: { name: "ping" } } }).tool_choice, {
      type: "tool",
      name: "ping",
    });
    assert.deepEqual(translate({ ...base, parallel_tool_calls: false }).tool_choice, { type: "auto", disable_parallel_tool_use: true });
    assert.deepEqual(translate({ ...base, tool_choice: "required", parallel_tool_calls: false }).tool_choice, {
      type: "any",
      disable_parallel_tool_use: true,
    });
    // Without tools, a tool_choice has nothing to choose from: Anthropic would refuse it.
    assert.equal(translate({ messages: base.messages, tool_choice: "auto" }).tool_choice, undefined);
    rejects({ ...base, tool_choice: "sometimes" }, "tool_choice");
    rejects({ ...base, tools: [{ type: "web_search" }] }, "tools[0]");
  });

  it("sends assistant tool calls as tool_use and merges consecutive tool results into one user turn", () => {
    const body = translate({
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } },
            { id: "toolu_2", type: "function", function: { name: "get_weather", arguments: '{"location":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "18C" },
        { role: "tool", tool_call_id: "toolu_2", content: [{ type: "text", text: "24C" }] },
        { role: "user", content: "Thanks" },
        { role: "assistant", content: null },
      ],
    });
    assert.deepEqual(body.messages, [
      { role: "user", content: "Weather in Paris and Rome?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { location: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "get_weather", input: { location: "Rome" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "18C" },
          { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "24C" }] },
        ],
      },
      { role: "user", content: "Thanks" },
    ]);
  });

  it("asks for a json_schema answer through a forced tool, or an instruction when the client has tools", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const request: ChatRequestJson = {
      messages: [{ role: "user", content: "Capital of France?" }],
      response_format: { type: "json_schema", json_schema: { name: "answer", schema } },
    };
    const plan = toAnthropicRequest(request, "m", { stream: false });
    assert.equal(plan.jsonTool, JSON_TOOL_NAME);
    assert.deepEqual(plan.body.tools, [
      { name: JSON_TOOL_NAME, description: "Answer with a JSON value matching this schema.", input_schema: schema },
    ]);
    assert.deepEqual(plan.body.tool_choice, { type: "tool", name: JSON_TOOL_NAME });

    const withTools = toAnthropicRequest({ ...request, tools: [{ type: "function", function: { name: "f" } }] }, "m", { stream: false });
    assert.equal(withTools.jsonTool, undefined);
    assert.match(String(withTools.body.system), /^Respond only with a JSON value that matches this JSON schema/);
    assert.match(String(withTools.body.system), /"city"/);

    const object = translate({
      messages: [{ role: "system", content: "Be exact." }, ...request.messages!],
      response_format: { type: "json_object" },
    });
    assert.equal(object.system, "Be exact.\n\nRespond only with a JSON object, with no other text.");
    assert.equal(translate({ ...request, response_format: { type: "text" } }).system, undefined);
  });

  it("refuses what Anthropic cannot take with an invalid_request naming the field", () => {
    rejects({ messages: [] }, "messages");
    rejects({ messages: [{ role: "system", content: "only a system prompt" }] }, "messages");
    rejects({ messages: [{ role: "user", content: "hi" }], n: 2 }, "n");
    rejects({ messages: [{ role: "function", content: "x", name: "f" }] }, "messages[0].role");
    rejects(
      { messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "", format: "wav" } }] }] },
      "messages[0].content[0]",
    );
    rejects(
      { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x/y.png" } }] }] },
      "messages[0].content[0]",
    );
    rejects({ messages: [{ role: "tool", content: "x" }] }, "messages[0].tool_call_id");
    rejects(
      {
        messages: [
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{not json" } }],
          },
        ],
      },
      "messages[0].tool_calls[0]",
    );
  });
});
