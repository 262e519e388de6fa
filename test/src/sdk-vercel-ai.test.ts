import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createOpenAI } from "@ai-sdk/openai";
import { APICallError, embed, embedMany, generateText, Output, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";
import { ADMIN_KEY, startTestMesh, type TestMesh } from "./harness.js";

/*
 * The Vercel AI SDK (`ai` with `@ai-sdk/openai`) pointed at the gateway. `.chat(model)` targets
 * /v1/chat/completions (the provider's default model targets the Responses API); tools use the
 * v5+ `tool({ inputSchema })` API.
 */

let t: TestMesh;
let provider: ReturnType<typeof createOpenAI>;

const weather = tool({
  description: "Current weather for a location",
  inputSchema: z.object({ location: z.string().describe("City name") }),
  execute: async ({ location }) => `18C and sunny in ${location}`,
});

before(async () => {
  t = await startTestMesh({ connectors: [{ provider: "mock" }] });
  provider = createOpenAI({ baseURL: t.url("/v1"), apiKey: ADMIN_KEY });
});
after(async () => {
  await t?.stop();
});

describe("vercel ai: generateText", () => {
  it("returns text, finish reason and usage", async () => {
    const result = await generateText({ model: provider.chat("mock-echo"), prompt: "hello from the ai sdk", maxRetries: 0 });
    assert.equal(result.text, "hello from the ai sdk");
    assert.equal(result.finishReason, "stop");
    assert.equal(result.usage.inputTokens, 5);
    assert.equal(result.usage.outputTokens, 5);
    assert.equal(result.usage.totalTokens, 10);
    assert.match(result.response.id, /^chatcmpl-/);
  });

  it("sends the system prompt", async () => {
    const result = await generateText({
      model: provider.chat("mock-echo"),
      system: "You are terse",
      prompt: "system goes along",
      maxRetries: 0,
    });
    assert.equal(result.text, "system goes along");
    assert.equal(result.usage.inputTokens, 6);
  });

  it("reports finishReason length when maxOutputTokens cuts the answer", async () => {
    const result = await generateText({
      model: provider.chat("mock-echo"),
      prompt: "one two three four",
      maxOutputTokens: 2,
      maxRetries: 0,
    });
    assert.equal(result.finishReason, "length");
    assert.equal(result.text.trim(), "one two");
  });

  it("runs a tool and answers its result (two steps)", async () => {
    const result = await generateText({
      model: provider.chat("mock-echo"),
      prompt: "What is the weather in Paris?",
      tools: { get_weather: weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    assert.equal(result.steps.length, 2);
    const [first, second] = result.steps;
    assert.equal(first?.finishReason, "tool-calls");
    const call = first?.toolCalls[0];
    assert.equal(call?.toolName, "get_weather");
    assert.equal(typeof (call?.input as { location?: unknown } | undefined)?.location, "string");
    const toolResult = first?.toolResults[0];
    assert.equal(toolResult?.output, `18C and sunny in ${(call?.input as { location: string } | undefined)?.location}`);
    assert.equal(second?.finishReason, "stop");
    assert.equal(result.text, `tool result: ${String(toolResult?.output)}`);
  });

  it("returns the tool call when the tool has no execute", async () => {
    const result = await generateText({
      model: provider.chat("mock-echo"),
      prompt: "look up the weather in Rome",
      tools: {
        get_weather: tool({ description: "Current weather", inputSchema: z.object({ location: z.string(), days: z.number().int() }) }),
      },
      maxRetries: 0,
    });
    assert.equal(result.finishReason, "tool-calls");
    assert.equal(result.toolCalls.length, 1);
    const call = result.toolCalls[0]!;
    assert.equal(call.toolName, "get_weather");
    assert.match(call.toolCallId, /^call_/);
    const input = call.input as { location: unknown; days: unknown };
    assert.equal(typeof input.location, "string");
    assert.ok(Number.isInteger(input.days));
  });

  it("Output.object gives an object that matches the schema (json_schema response format)", async () => {
    const schema = z.object({ city: z.string(), population: z.number(), landmarks: z.array(z.string()) });
    const result = await generateText({
      model: provider.chat("mock-echo"),
      prompt: "describe a city",
      output: Output.object({ schema }),
      maxRetries: 0,
    });
    assert.ok(schema.safeParse(result.output).success, `output conforms: ${JSON.stringify(result.output)}`);
  });

  it("throws APICallError with the status for a gateway error", async () => {
    await assert.rejects(generateText({ model: provider.chat("no-such-model"), prompt: "x", maxRetries: 0 }), (error: unknown) => {
      assert.ok(APICallError.isInstance(error), String(error));
      assert.equal(error.statusCode, 404);
      assert.match(error.message, /no-such-model/);
      return true;
    });
  });
});

describe("vercel ai: streamText", () => {
  it("streams text deltas, then finish reason and usage", async () => {
    const result = streamText({ model: provider.chat("mock-echo"), prompt: "stream with the ai sdk now", maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    assert.equal(deltas.join(""), "stream with the ai sdk now");
    assert.ok(deltas.length >= 5, "several deltas");
    assert.equal(await result.text, "stream with the ai sdk now");
    assert.equal(await result.finishReason, "stop");
    const usage = await result.usage;
    assert.equal(usage.inputTokens, 6);
    assert.equal(usage.outputTokens, 6);
  });

  it("streams a tool call (input deltas), runs it and streams the answer", async () => {
    const result = streamText({
      model: provider.chat("mock-echo"),
      prompt: "weather in Berlin",
      tools: { get_weather: weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    const parts: string[] = [];
    let inputDeltas = "";
    for await (const part of result.fullStream) {
      parts.push(part.type);
      if (part.type === "tool-input-delta") inputDeltas += part.delta;
      if (part.type === "error") assert.fail(`stream error: ${String(part.error)}`);
    }
    assert.ok(parts.includes("tool-input-start"), `tool-input-start in ${parts.join(",")}`);
    assert.ok(parts.includes("tool-call"));
    assert.ok(parts.includes("tool-result"));
    const steps = await result.steps;
    assert.equal(steps.length, 2);
    const call = steps[0]?.toolCalls[0];
    assert.equal(call?.toolName, "get_weather");
    assert.deepEqual(JSON.parse(inputDeltas), call?.input, "the streamed input deltas assemble into the call's input");
    assert.equal(await result.text, `tool result: 18C and sunny in ${(call?.input as { location: string } | undefined)?.location}`);
  });

  it("streams through the heartbeats of a slow first token", async () => {
    const result = streamText({ model: provider.chat("mock-thinking"), prompt: "slow but sure", maxRetries: 0 });
    assert.equal(await result.text, "slow but sure");
  });
});

describe("vercel ai: the Responses API model (provider.responses)", () => {
  it("generateText through /v1/responses", async () => {
    const result = await generateText({
      model: provider.responses("mock-echo"),
      system: "Be brief",
      prompt: "answer via responses",
      maxRetries: 0,
    });
    assert.equal(result.text, "answer via responses");
    assert.equal(result.finishReason, "stop");
    assert.equal(result.usage.inputTokens, 5);
    assert.equal(result.usage.outputTokens, 3);
  });

  it("streamText through /v1/responses", async () => {
    const result = streamText({ model: provider.responses("mock-echo"), prompt: "stream via the responses api", maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    assert.equal(deltas.join(""), "stream via the responses api");
    assert.equal(await result.finishReason, "stop");
  });

  it("tool round trip through /v1/responses", async () => {
    const result = await generateText({
      model: provider.responses("mock-echo"),
      prompt: "What is the weather in Lisbon?",
      tools: { get_weather: weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    assert.equal(result.steps.length, 2);
    const call = result.steps[0]?.toolCalls[0];
    assert.equal(call?.toolName, "get_weather");
    assert.equal(result.text, `tool result: 18C and sunny in ${(call?.input as { location: string } | undefined)?.location}`);
  });
});

describe("vercel ai: embeddings", () => {
  it("embed returns one vector, embedMany one per value in order", async () => {
    const model = provider.embedding("mock-embed");
    const single = await embed({ model, value: "sunny day at the beach", maxRetries: 0 });
    assert.equal(single.embedding.length, 64);
    assert.equal(single.usage.tokens, 5);

    const many = await embedMany({ model, values: ["rainy night in the city", "sunny day at the beach"], maxRetries: 0 });
    assert.equal(many.embeddings.length, 2);
    assert.deepEqual(many.embeddings[1], single.embedding, "the same text embeds to the same vector");
    assert.notDeepEqual(many.embeddings[0], many.embeddings[1]);
  });
});
