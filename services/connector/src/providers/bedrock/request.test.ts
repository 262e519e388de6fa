import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import type { ChatRequestJson } from "../types.js";
import { cohereEmbeddingBody, embeddingFamilyOf, titanEmbeddingBodies, toConverseRequest } from "./request.js";

const weatherTool = {
  type: "function",
  function: { name: "weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

function rejects(request: ChatRequestJson, param: string): void {
  assert.throws(
    () => toConverseRequest(request),
    (error: unknown) => error instanceof GatewayError && error.code === "invalid_request" && error.param === param,
  );
}

describe("bedrock request translation", () => {
  it("puts system text in system and sampling settings in inferenceConfig", () => {
    const body = toConverseRequest({
      model: "public-name",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Answer in English." }] },
        { role: "user", content: "Hello" },
      ],
      max_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      stop: "END",
    });
    assert.deepEqual(body, {
      system: [{ text: "Be brief." }, { text: "Answer in English." }],
      messages: [{ role: "user", content: [{ text: "Hello" }] }],
      inferenceConfig: { maxTokens: 100, temperature: 0.5, topP: 0.9, stopSequences: ["END"] },
    });
  });

  it("prefers max_completion_tokens and leaves inferenceConfig out when nothing is set", () => {
    assert.equal(toConverseRequest({ messages: [{ role: "user", content: "x" }] }).inferenceConfig, undefined);
    const body = toConverseRequest({
      messages: [{ role: "user", content: "x" }],
      max_tokens: 5,
      max_completion_tokens: 7,
      stop: ["a", "b"],
    });
    assert.deepEqual(body.inferenceConfig, { maxTokens: 7, stopSequences: ["a", "b"] });
  });

  it("sends data URL images as bytes and refuses links with a 400", () => {
    const body = toConverseRequest({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          ],
        },
      ],
    });
    assert.deepEqual(body.messages[0]!.content, [
      { text: "What is this?" },
      { image: { format: "png", source: { bytes: "iVBORw0KGgo=" } } },
    ]);
    rejects(
      { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] },
      "messages[0].content[0].image_url",
    );
    rejects(
      { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/tiff;base64,AAAA" } }] }] },
      "messages[0].content[0].image_url",
    );
  });

  it("turns tool calls into toolUse and tool answers into toolResult in one user turn", () => {
    const body = toConverseRequest({
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
            { id: "call_2", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: '{"temp":21}' },
        { role: "tool", tool_call_id: "call_2", content: "sunny" },
        { role: "user", content: "Thanks" },
      ],
      tools: [weatherTool],
    });
    assert.deepEqual(body.messages, [
      { role: "user", content: [{ text: "Weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: [
          { toolUse: { toolUseId: "call_1", name: "weather", input: { city: "Paris" } } },
          { toolUse: { toolUseId: "call_2", name: "weather", input: { city: "Rome" } } },
        ],
      },
      {
        role: "user",
        content: [
          { toolResult: { toolUseId: "call_1", content: [{ json: { temp: 21 } }] } },
          { toolResult: { toolUseId: "call_2", content: [{ text: "sunny" }] } },
          { text: "Thanks" },
        ],
      },
    ]);
  });

  it("declares tools as toolSpecs and maps tool_choice", () => {
    const messages = [{ role: "user", content: "hi" }];
    const auto = toConverseRequest({ messages, tools: [weatherTool] }).toolConfig;
    assert.deepEqual(auto, {
      tools: [{ toolSpec: { name: "weather", description: "Weather in a city", inputSchema: { json: weatherTool.function.parameters } } }],
      toolChoice: { auto: {} },
    });
    assert.deepEqual(toConverseRequest({ messages, tools: [weatherTool], tool_choice: "required" }).toolConfig?.toolChoice, { any: {} });
    assert.deepEqual(
      toConverseRequest({ messages, tools: [weatherTool], tool_choice: { type: "function", function: { name: "weather" } } }).toolConfig
        ?.toolChoice,
      { tool: { name: "weather" } },
    );
    assert.equal(toConverseRequest({ messages, tools: [weatherTool], tool_choice: "none" }).toolConfig, undefined);
    rejects({ messages, tools: [weatherTool], tool_choice: "sometimes" }, "tool_choice");
  });

  it("refuses what Converse cannot carry with a 400 naming the field", () => {
    rejects({ messages: [{ role: "user", content: "x" }], n: 2 }, "n");
    rejects({ messages: [{ role: "narrator", content: "x" }] }, "messages[0].role");
    rejects({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] }, "messages[0].content[0].type");
    rejects(
      { messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "not json" } }] }] },
      "messages[0].tool_calls[0].function.arguments",
    );
    rejects({ messages: [{ role: "tool", content: "x" }] }, "messages[0].tool_call_id");
  });
});

describe("bedrock embeddings requests", () => {
  it("knows the family from the model id, inference profile prefixes included", () => {
    assert.equal(embeddingFamilyOf("amazon.titan-embed-text-v2:0"), "titan");
    assert.equal(embeddingFamilyOf("cohere.embed-english-v3"), "cohere");
    assert.equal(embeddingFamilyOf("us.cohere.embed-multilingual-v3"), "cohere");
    assert.equal(embeddingFamilyOf("anthropic.claude-3-haiku-20240307-v1:0"), undefined);
  });

  it("makes one Titan body per input and one Cohere body for all", () => {
    assert.deepEqual(titanEmbeddingBodies({ input: ["a", "b"], dimensions: 256 }), [
      { inputText: "a", dimensions: 256 },
      { inputText: "b", dimensions: 256 },
    ]);
    assert.deepEqual(titanEmbeddingBodies({ input: "a" }), [{ inputText: "a" }]);
    assert.deepEqual(cohereEmbeddingBody(["a", "b"]), { texts: ["a", "b"], input_type: "search_document" });
    assert.throws(
      () => titanEmbeddingBodies({ input: [[1, 2, 3]] }),
      (error: unknown) => error instanceof GatewayError && error.param === "input",
    );
  });
});
