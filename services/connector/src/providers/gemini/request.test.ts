import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import type { ChatRequestJson } from "../types.js";
import { mimeTypeOf, toGeminiChatBody, toGeminiEmbeddings } from "./request.js";

const refused = (param: string) => (error: unknown) =>
  error instanceof GatewayError && error.code === "invalid_request" && error.param === param;

describe("gemini request translation", () => {
  it("moves system and developer text to systemInstruction and names the assistant model", () => {
    const body = toGeminiChatBody({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "Hello" },
        { role: "assistant", content: "Bonjour" },
        { role: "user", content: [{ type: "text", text: "Again" }] },
      ],
    });
    assert.deepEqual(body.systemInstruction, { parts: [{ text: "Be brief." }, { text: "Answer in French." }] });
    assert.deepEqual(body.contents, [
      { role: "user", parts: [{ text: "Hello" }] },
      { role: "model", parts: [{ text: "Bonjour" }] },
      { role: "user", parts: [{ text: "Again" }] },
    ]);
    assert.equal("generationConfig" in body, false);
    assert.equal("tools" in body, false);
  });

  it("maps sampling and length settings to generationConfig", () => {
    const body = toGeminiChatBody({
      messages: [{ role: "user", content: "x" }],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      max_completion_tokens: 100,
      stop: "END",
      n: 2,
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
    });
    assert.deepEqual(body.generationConfig, {
      temperature: 0.2,
      topP: 0.9,
      maxOutputTokens: 100,
      candidateCount: 2,
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      seed: 7,
      stopSequences: ["END"],
    });
    assert.deepEqual(toGeminiChatBody({ messages: [], max_tokens: 9, stop: ["a", "b"] }).generationConfig, {
      maxOutputTokens: 9,
      stopSequences: ["a", "b"],
    });
    assert.throws(() => toGeminiChatBody({ messages: [], temperature: "hot" }), refused("temperature"));
  });

  it("asks for JSON, with the client's JSON Schema as is", () => {
    const schema = { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false };
    assert.deepEqual(
      toGeminiChatBody({ messages: [], response_format: { type: "json_schema", json_schema: { name: "x", schema, strict: true } } })
        .generationConfig,
      {
        responseMimeType: "application/json",
        responseJsonSchema: schema,
      },
    );
    assert.deepEqual(toGeminiChatBody({ messages: [], response_format: { type: "json_object" } }).generationConfig, {
      responseMimeType: "application/json",
    });
    assert.equal(toGeminiChatBody({ messages: [], response_format: { type: "text" } }).generationConfig, undefined);
    assert.throws(
      () => toGeminiChatBody({ messages: [], response_format: { type: "json_schema", json_schema: { name: "x" } } }),
      refused("response_format.json_schema"),
    );
  });

  it("declares tools and maps tool_choice to functionCallingConfig", () => {
    const parameters = { type: "object", properties: { q: { type: "string" } } };
    const request: ChatRequestJson = {
      messages: [{ role: "user", content: "x" }],
      tools: [
        { type: "function", function: { name: "search", description: "Searches", parameters } },
        { type: "function", function: { name: "now" } },
      ],
    };
    assert.deepEqual(toGeminiChatBody(request).tools, [
      { functionDeclarations: [{ name: "search", description: "Searches", parametersJsonSchema: parameters }, { name: "now" }] },
    ]);
    const config = (tool_choice: unknown) => toGeminiChatBody({ ...request, tool_choice }).toolConfig?.functionCallingConfig;
    assert.deepEqual(config("auto"), { mode: "AUTO" });
    assert.deepEqual(config("none"), { mode: "NONE" });
    assert.deepEqual(config("required"), { mode: "ANY" });
    assert.deepEqual(config({ type: "function", function: { name: "now" } }), { mode: "ANY", allowedFunctionNames: ["now"] });
    assert.deepEqual(
      config({ type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "search" } }] } }),
      {
        mode: "ANY",
        allowedFunctionNames: ["search"],
      },
    );
    assert.equal(config(undefined), undefined);
    assert.throws(() => config("sometimes"), refused("tool_choice"));
    assert.throws(() => toGeminiChatBody({ messages: [], tools: [{ type: "web_search" }] }), refused("tools[0]"));
  });

  it("sends tool calls back as functionCall and tool answers as functionResponse named by id", () => {
    const body = toGeminiChatBody({
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_0", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
            {
              id: "g-42",
              type: "function",
              function: { name: "weather", arguments: '{"city":"Rome"}' },
              extra_content: { google: { thought_signature: "c2ln" } },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_0", content: '{"temp":21}' },
        { role: "tool", tool_call_id: "g-42", content: [{ type: "text", text: "sunny" }] },
        { role: "user", content: "Thanks" },
      ],
    });
    assert.deepEqual(body.contents.slice(1), [
      {
        role: "model",
        parts: [
          { functionCall: { name: "weather", args: { city: "Paris" } } },
          { functionCall: { name: "weather", args: { city: "Rome" }, id: "g-42" }, thoughtSignature: "c2ln" },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "weather", response: { temp: 21 } } },
          { functionResponse: { name: "weather", response: { output: "sunny" }, id: "g-42" } },
        ],
      },
      { role: "user", parts: [{ text: "Thanks" }] },
    ]);
  });

  it("refuses tool answers to unknown calls and arguments that are not a JSON object", () => {
    assert.throws(
      () => toGeminiChatBody({ messages: [{ role: "tool", tool_call_id: "call_9", content: "x" }] }),
      refused("messages[0].tool_call_id"),
    );
    const call = (args: string) => ({
      messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: args } }] }],
    });
    assert.throws(() => toGeminiChatBody(call("{nope")), refused("messages[0].tool_calls[0].function.arguments"));
    assert.throws(() => toGeminiChatBody(call("[1]")), refused("messages[0].tool_calls[0].function.arguments"));
    assert.throws(() => toGeminiChatBody({ messages: [{ role: "function", content: "x" }] }), refused("messages[0].role"));
  });

  it("sends data URLs inline and https URLs as file references with a guessed media type", () => {
    const body = toGeminiChatBody({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.JPG?sig=abc" } },
            { type: "image_url", image_url: { url: "data:text/plain,hello%20world" } },
            { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
          ],
        },
      ],
    });
    assert.deepEqual(body.contents[0]!.parts, [
      { text: "What is this?" },
      { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
      { fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/cat.JPG?sig=abc" } },
      { inlineData: { mimeType: "text/plain", data: Buffer.from("hello world").toString("base64") } },
      { inlineData: { mimeType: "audio/wav", data: "UklGRg==" } },
    ]);
    const image = (url: string) => ({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }] });
    assert.throws(() => toGeminiChatBody(image("http://example.com/cat.png")), refused("messages[0].content[0].image_url.url"));
    assert.throws(() => toGeminiChatBody(image("https://example.com/image")), refused("messages[0].content[0].image_url.url"));
    assert.throws(() => toGeminiChatBody(image("not a url")), refused("messages[0].content[0].image_url.url"));
    assert.equal(mimeTypeOf("/a.b/c"), undefined);
    assert.equal(mimeTypeOf("/doc.pdf"), "application/pdf");
  });

  it("embeds one input with embedContent and several with batchEmbedContents", () => {
    assert.deepEqual(toGeminiEmbeddings({ input: "hi", dimensions: 256 }, "gemini-embedding-001"), {
      method: "embedContent",
      body: { content: { parts: [{ text: "hi" }] }, outputDimensionality: 256 },
      texts: ["hi"],
    });
    assert.deepEqual(toGeminiEmbeddings({ input: ["a", "b"] }, "gemini-embedding-001"), {
      method: "batchEmbedContents",
      body: {
        requests: [
          { model: "models/gemini-embedding-001", content: { parts: [{ text: "a" }] } },
          { model: "models/gemini-embedding-001", content: { parts: [{ text: "b" }] } },
        ],
      },
      texts: ["a", "b"],
    });
    assert.throws(() => toGeminiEmbeddings({ input: [[1, 2, 3]] }, "m"), refused("input"));
    assert.throws(() => toGeminiEmbeddings({ input: "x", dimensions: 0 }, "m"), refused("dimensions"));
  });
});
