import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { zodFunction, zodResponseFormat } from "openai/helpers/zod";
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { z } from "zod";
import { ADMIN_KEY, manyWords, NARROW_KEY, startTestMesh, type TestMesh, watchUsage } from "./harness.js";

/*
 * The official `openai` package pointed at the gateway, asserting what it hands its user: text,
 * finish reasons, usage, tool calls (also assembled from stream deltas), parsed structured
 * output, embeddings, models, the Responses API, typed errors and request ids.
 */

let t: TestMesh;
let client: OpenAI;

const user = (content: string): ChatCompletionMessageParam[] => [{ role: "user", content }];
const textOf = (chunks: ChatCompletionChunk[], index = 0) =>
  chunks.flatMap((c) => c.choices.filter((choice) => choice.index === index).map((choice) => choice.delta.content ?? "")).join("");

const weatherTool: ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: { location: { type: "string", description: "City name" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["location", "unit"],
      additionalProperties: false,
    },
  },
};
const timeTool: ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_time",
    description: "Local time in a timezone",
    parameters: { type: "object", properties: { timezone: { type: "string" } }, required: ["timezone"], additionalProperties: false },
  },
};

before(async () => {
  t = await startTestMesh({ connectors: [{ provider: "mock" }] });
  client = new OpenAI({ baseURL: t.url("/v1"), apiKey: ADMIN_KEY, maxRetries: 0 });
});
after(async () => {
  await t?.stop();
});

describe("openai: chat.completions.create", () => {
  it("returns the answer, finish reason and usage", async () => {
    const completion = await client.chat.completions.create({ model: "mock-echo", messages: user("hello from the openai sdk") });
    assert.equal(completion.object, "chat.completion");
    assert.match(completion.id, /^chatcmpl-/);
    assert.equal(completion.choices.length, 1);
    const choice = completion.choices[0]!;
    assert.equal(choice.index, 0);
    assert.equal(choice.message.role, "assistant");
    assert.equal(choice.message.content, "hello from the openai sdk");
    assert.equal(choice.finish_reason, "stop");
    assert.equal(completion.usage?.prompt_tokens, 5);
    assert.equal(completion.usage?.completion_tokens, 5);
    assert.equal(completion.usage?.total_tokens, 10);
  });

  it("sends the system prompt and every sampling parameter through", async () => {
    const completion = await client.chat.completions.create({
      model: "mock-echo",
      messages: [
        { role: "system", content: "You are terse" },
        { role: "user", content: "parameters pass through" },
      ],
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.1,
      user: "user-1234",
      metadata: { purpose: "conformance" },
      max_completion_tokens: 50,
    });
    assert.equal(completion.choices[0]?.message.content, "parameters pass through");
    // The system prompt's three words count as prompt tokens: it reached the model.
    assert.equal(completion.usage?.prompt_tokens, 6);
  });

  it("answers the text parts of multimodal content", async () => {
    const completion = await client.chat.completions.create({
      model: "mock-echo",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "describe this picture" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
            { type: "input_audio", input_audio: { data: "UklGRiQAAABXQVZFZm10IBAAAAABAAEA", format: "wav" } },
          ],
        },
      ],
    });
    assert.equal(completion.choices[0]?.message.content, "describe this picture");
  });

  it("fails over behind the client's back, streamed or not", async () => {
    const completion = await client.chat.completions.create({ model: "mock-failover", messages: user("first deployment fails") });
    assert.equal(completion.choices[0]?.message.content, "first deployment fails");
    const stream = await client.chat.completions.create({ model: "mock-failover", stream: true, messages: user("so does this stream") });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(textOf(chunks), "so does this stream");
  });

  it("cuts the answer at max_completion_tokens with finish_reason length", async () => {
    const completion = await client.chat.completions.create({
      model: "mock-echo",
      messages: user("one two three four five"),
      max_completion_tokens: 2,
    });
    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, "length");
    assert.equal(choice.message.content?.trim(), "one two");
    assert.equal(completion.usage?.completion_tokens, 2);
  });

  it("stops before a stop sequence", async () => {
    const completion = await client.chat.completions.create({
      model: "mock-echo",
      messages: user("alpha beta STOP gamma delta"),
      stop: ["STOP"],
    });
    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, "stop");
    assert.equal(choice.message.content?.trim(), "alpha beta");
    assert.ok(!choice.message.content?.includes("STOP"), "the stop sequence itself is not returned");
  });

  it("returns n choices, each with its index", async () => {
    const completion = await client.chat.completions.create({ model: "mock-echo", messages: user("say it twice"), n: 2 });
    assert.deepEqual(
      completion.choices.map((c) => [c.index, c.message.content, c.finish_reason]),
      [
        [0, "say it twice", "stop"],
        [1, "say it twice", "stop"],
      ],
    );
    assert.equal(completion.usage?.completion_tokens, 6, "completion tokens count every choice");
  });

  it("returns logprobs for each token with top_logprobs alternatives", async () => {
    const completion = await client.chat.completions.create({
      model: "mock-echo",
      messages: user("probable words here"),
      logprobs: true,
      top_logprobs: 2,
    });
    const choice = completion.choices[0]!;
    const tokens = choice.logprobs?.content ?? [];
    assert.ok(tokens.length > 0, "logprobs.content lists the tokens");
    assert.equal(tokens.map((tok) => tok.token).join(""), choice.message.content);
    for (const tok of tokens) {
      assert.equal(typeof tok.logprob, "number");
      assert.deepEqual(tok.bytes, [...Buffer.from(tok.token, "utf8")]);
      assert.equal(tok.top_logprobs.length, 2);
      assert.equal(tok.top_logprobs[0]?.token, tok.token);
    }
  });
});

describe("openai: streaming chat completions", () => {
  it("streams the text word by word, with finish_reason and no usage unless asked", async () => {
    const stream = await client.chat.completions.create({ model: "mock-echo", stream: true, messages: user("stream these five words") });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.every((c) => c.object === "chat.completion.chunk"));
    assert.equal(textOf(chunks), "stream these five words");
    assert.ok(chunks.filter((c) => c.choices[0]?.delta.content).length >= 4, "several content chunks, not one");
    assert.equal(chunks[0]?.choices[0]?.delta.role, "assistant");
    assert.equal(
      chunks
        .map((c) => c.choices[0]?.finish_reason)
        .filter(Boolean)
        .join(),
      "stop",
    );
    assert.ok(
      chunks.every((c) => c.usage == null),
      "no usage without stream_options.include_usage",
    );
  });

  it("ends with a usage chunk when stream_options.include_usage is set", async () => {
    const stream = await client.chat.completions.create({
      model: "mock-echo",
      stream: true,
      stream_options: { include_usage: true },
      messages: user("count my usage please"),
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.prompt_tokens, 4);
    assert.equal(last.usage?.completion_tokens, 4);
    assert.equal(last.usage?.total_tokens, 8);
    assert.ok(
      chunks.slice(0, -1).every((c) => c.usage == null),
      "only the last chunk carries usage",
    );
    assert.equal(textOf(chunks), "count my usage please");
  });

  it("streams n choices, told apart by index", async () => {
    const stream = await client.chat.completions.create({ model: "mock-echo", stream: true, n: 2, messages: user("two streams at once") });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(textOf(chunks, 0), "two streams at once");
    assert.equal(textOf(chunks, 1), "two streams at once");
    for (const index of [0, 1]) {
      const reasons = chunks.flatMap((c) => c.choices.filter((ch) => ch.index === index && ch.finish_reason).map((ch) => ch.finish_reason));
      assert.deepEqual(reasons, ["stop"], `choice ${index} finishes once`);
    }
  });

  it("streams text that stops before a stop sequence", async () => {
    const stream = await client.chat.completions.create({
      model: "mock-echo",
      stream: true,
      stop: "STOP",
      messages: user("first second STOP third"),
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(textOf(chunks).trim(), "first second");
  });

  it("keeps the stream intact while a slow model sends heartbeats before its first token", async () => {
    const stream = await client.chat.completions.create({ model: "mock-thinking", stream: true, messages: user("worth the wait") });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(textOf(chunks), "worth the wait");
  });

  it("helper stream: chat.completions.stream() emits content events and a final completion", async () => {
    const deltas: string[] = [];
    const stream = client.chat.completions.stream({ model: "mock-echo", messages: user("use the stream helper") });
    stream.on("content", (delta) => deltas.push(delta));
    const final = await stream.finalChatCompletion();
    assert.equal(deltas.join(""), "use the stream helper");
    assert.ok(deltas.length >= 4);
    assert.equal(final.choices[0]?.message.content, "use the stream helper");
    assert.equal(final.choices[0]?.finish_reason, "stop");
  });

  it("ends a stream the client aborts, and the gateway records it as cancelled", async () => {
    const usage = watchUsage(t);
    const words = manyWords(60, `abort${Date.now()}x`);
    const { data: stream, request_id } = await client.chat.completions
      .create({ model: "mock-slow", stream: true, messages: user(words) }, { headers: { "x-switchyard-cache": "bypass" } })
      .withResponse();
    let received = "";
    for await (const chunk of stream) {
      received += chunk.choices[0]?.delta.content ?? "";
      if (received.length > 0) stream.controller.abort();
    }
    assert.ok(received.length > 0, "something arrived before the abort");
    assert.ok(words.startsWith(received.trimEnd()), "what arrived is the start of the answer");
    assert.ok(received.trim().length < words.length, "the loop ended without the rest of the answer");
    assert.ok(request_id, "the stream response carries a request id");
    const { subject, event } = await usage.eventOf(request_id);
    assert.equal(subject, "switchyard.usage.cancelled");
    assert.equal(event.outcome, "cancelled");
  });
});

describe("openai: tool calls", () => {
  it("returns a tool call for offered tools, and answers the tool result", async () => {
    const messages = user("What is the weather in Paris?");
    const first = await client.chat.completions.create({ model: "mock-echo", messages, tools: [weatherTool] });
    const choice = first.choices[0]!;
    assert.equal(choice.finish_reason, "tool_calls");
    const calls = choice.message.tool_calls ?? [];
    assert.equal(calls.length, 1);
    const call = calls[0]!;
    assert.equal(call.type, "function");
    assert.match(call.id, /^call_/);
    assert.ok(call.type === "function");
    assert.equal(call.function.name, "get_weather");
    const args = JSON.parse(call.function.arguments) as { location: unknown; unit: unknown };
    assert.equal(typeof args.location, "string");
    assert.ok(args.unit === "celsius" || args.unit === "fahrenheit", `unit from the schema's enum, got ${String(args.unit)}`);

    const second = await client.chat.completions.create({
      model: "mock-echo",
      tools: [weatherTool],
      messages: [...messages, choice.message, { role: "tool", tool_call_id: call.id, content: "18C and sunny" }],
    });
    assert.equal(second.choices[0]?.message.content, "tool result: 18C and sunny");
    assert.equal(second.choices[0]?.finish_reason, "stop");
  });

  it("calls the tool that tool_choice names", async () => {
    const completion = await client.chat.completions.create({
      model: "mock-echo",
      messages: user("what time is it in Tokyo"),
      tools: [weatherTool, timeTool],
      tool_choice: { type: "function", function: { name: "get_time" } },
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === "function");
    assert.equal(call.function.name, "get_time");
    assert.equal(typeof (JSON.parse(call.function.arguments) as { timezone: unknown }).timezone, "string");
  });

  it("answers with text when tool_choice is none", async () => {
    const completion = await client.chat.completions.create({
      model: "mock-echo",
      messages: user("just talk"),
      tools: [weatherTool],
      tool_choice: "none",
    });
    assert.equal(completion.choices[0]?.message.content, "just talk");
    assert.ok(!completion.choices[0]?.message.tool_calls?.length, "no tool calls");
  });

  it("streams tool-call deltas that assemble into the call", async () => {
    const stream = await client.chat.completions.create({
      model: "mock-echo",
      stream: true,
      messages: user("weather in Oslo please"),
      tools: [weatherTool],
    });
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let finish: string | null = null;
    let deltas = 0;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      finish = choice.finish_reason ?? finish;
      for (const delta of choice.delta.tool_calls ?? []) {
        deltas += 1;
        const call = calls.get(delta.index) ?? { id: "", name: "", arguments: "" };
        call.id ||= delta.id ?? "";
        call.name += delta.function?.name ?? "";
        call.arguments += delta.function?.arguments ?? "";
        calls.set(delta.index, call);
      }
    }
    assert.equal(finish, "tool_calls");
    assert.equal(calls.size, 1);
    const call = calls.get(0)!;
    assert.match(call.id, /^call_/);
    assert.equal(call.name, "get_weather");
    assert.ok(deltas > 1, "the arguments arrive in several deltas");
    const args = JSON.parse(call.arguments) as { location: unknown };
    assert.equal(typeof args.location, "string");
  });

  it("helper stream: finalChatCompletion() assembles streamed tool calls", async () => {
    const stream = client.chat.completions.stream({ model: "mock-echo", messages: user("weather in Lima"), tools: [weatherTool] });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === "function");
    assert.equal(call.function.name, "get_weather");
    assert.equal(typeof (JSON.parse(call.function.arguments) as { location: unknown }).location, "string");
    assert.equal(final.choices[0]?.finish_reason, "tool_calls");
  });

  it("runTools() calls the function and finishes with the model's answer to its result", async () => {
    const called: unknown[] = [];
    const runner = client.chat.completions.runTools({
      model: "mock-echo",
      messages: user("weather in Cairo"),
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather for a city",
            parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
            parse: JSON.parse,
            function: (args: { location: string }) => {
              called.push(args);
              return `30C in ${args.location}`;
            },
          },
        },
      ],
    });
    const content = await runner.finalContent();
    assert.equal(called.length, 1, "the SDK ran the function once");
    const location = (called[0] as { location: string }).location;
    assert.equal(typeof location, "string");
    assert.equal(content, `tool result: 30C in ${location}`);
  });

  it("parse() with zodFunction gives parsed_arguments", async () => {
    const completion = await client.chat.completions.parse({
      model: "mock-echo",
      messages: user("find three books"),
      tools: [zodFunction({ name: "search_books", parameters: z.object({ query: z.string(), limit: z.number().int() }) })],
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.ok(call);
    assert.equal(call.function.name, "search_books");
    const parsed = call.function.parsed_arguments as { query: unknown; limit: unknown };
    assert.equal(typeof parsed.query, "string");
    assert.ok(Number.isInteger(parsed.limit));
  });
});

describe("openai: JSON output", () => {
  it("response_format json_object gives a JSON object", async () => {
    const completion = await client.chat.completions.create({
      model: "mock-echo",
      messages: [
        { role: "system", content: "Answer in JSON." },
        { role: "user", content: "json please" },
      ],
      response_format: { type: "json_object" },
    });
    assert.deepEqual(JSON.parse(completion.choices[0]?.message.content ?? ""), { echo: "json please" });
  });

  it("response_format json_schema gives JSON conforming to the schema", async () => {
    const completion = await client.chat.completions.create({
      model: "mock-echo",
      messages: user("describe a city"),
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "city",
          strict: true,
          schema: {
            type: "object",
            properties: {
              name: { type: "string" },
              population: { type: "integer" },
              coastal: { type: "boolean" },
              tags: { type: "array", items: { type: "string" } },
            },
            required: ["name", "population", "coastal", "tags"],
            additionalProperties: false,
          },
        },
      },
    });
    const value = JSON.parse(completion.choices[0]?.message.content ?? "") as Record<string, unknown>;
    assert.deepEqual(Object.keys(value).sort(), ["coastal", "name", "population", "tags"]);
    assert.equal(typeof value.name, "string");
    assert.ok(Number.isInteger(value.population));
    assert.equal(typeof value.coastal, "boolean");
    assert.ok(Array.isArray(value.tags) && value.tags.every((tag) => typeof tag === "string"));
  });

  it("chat.completions.parse() with zodResponseFormat gives message.parsed", async () => {
    const Weather = z.object({
      city: z.string(),
      temperature: z.number(),
      conditions: z.enum(["sunny", "cloudy", "rainy"]),
      advisories: z.array(z.string()),
    });
    const completion = await client.chat.completions.parse({
      model: "mock-echo",
      messages: user("weather report"),
      response_format: zodResponseFormat(Weather, "weather"),
    });
    const message = completion.choices[0]?.message;
    assert.ok(message?.parsed, "the SDK parsed the content");
    assert.ok(Weather.safeParse(message.parsed).success, `parsed conforms to the zod schema: ${JSON.stringify(message.parsed)}`);
    assert.equal(message.refusal, null);
  });

  it("helper stream with zodResponseFormat parses the streamed JSON", async () => {
    const Item = z.object({ title: z.string(), done: z.boolean() });
    const stream = client.chat.completions.stream({
      model: "mock-echo",
      messages: user("one todo item"),
      response_format: zodResponseFormat(Item, "item"),
    });
    const final = await stream.finalChatCompletion();
    const parsed = final.choices[0]?.message.parsed;
    assert.ok(Item.safeParse(parsed).success, `streamed JSON parses: ${JSON.stringify(parsed)}`);
  });
});

describe("openai: embeddings", () => {
  const inputs = ["the quick brown fox", "jumps over the lazy dog"];

  it("returns float vectors", async () => {
    const result = await client.embeddings.create({ model: "mock-embed", input: inputs, encoding_format: "float" });
    assert.equal(result.object, "list");
    assert.deepEqual(
      result.data.map((d) => d.index),
      [0, 1],
    );
    for (const d of result.data) {
      assert.equal(d.object, "embedding");
      assert.equal(d.embedding.length, 64);
      assert.ok(d.embedding.every((x) => typeof x === "number" && Number.isFinite(x)));
    }
    assert.equal(result.usage.prompt_tokens, 9);
  });

  it("decodes the default base64 encoding into the same vectors", async () => {
    const floats = await client.embeddings.create({ model: "mock-embed", input: inputs, encoding_format: "float" });
    // Without encoding_format the SDK asks for base64 and decodes it to numbers itself.
    const decoded = await client.embeddings.create({ model: "mock-embed", input: inputs });
    assert.equal(decoded.data.length, 2);
    decoded.data.forEach((d, i) => {
      assert.ok(Array.isArray(d.embedding), "the SDK hands back an array of numbers");
      const expected = floats.data[i]!.embedding;
      assert.equal(d.embedding.length, expected.length);
      d.embedding.forEach((x, j) => assert.ok(Math.abs(x - expected[j]!) < 1e-6, `component ${j}: ${x} vs ${expected[j]}`));
    });
  });

  it("returns base64 strings when asked explicitly", async () => {
    const result = await client.embeddings.create({ model: "mock-embed", input: "hello world", encoding_format: "base64" });
    const encoded = result.data[0]!.embedding as unknown as string;
    assert.equal(typeof encoded, "string");
    assert.equal(Buffer.from(encoded, "base64").length, 64 * 4, "64 float32 values");
  });

  it("honours dimensions", async () => {
    const result = await client.embeddings.create({ model: "mock-embed", input: "short vector", dimensions: 16, encoding_format: "float" });
    assert.equal(result.data[0]?.embedding.length, 16);
  });
});

describe("openai: models", () => {
  it("lists the public models this key may use", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      assert.equal(model.object, "model");
      assert.equal(typeof model.created, "number");
      assert.equal(typeof model.owned_by, "string");
      ids.push(model.id);
    }
    for (const id of ["mock-echo", "mock-failover", "mock-embed", "mock-thinking"]) assert.ok(ids.includes(id), `${id} is listed`);
    assert.ok(!ids.includes("gpt-4o"), "a model whose provider is switched off is not listed");
  });

  it("lists only the allowed models for a narrow key", async () => {
    const narrow = new OpenAI({ baseURL: t.url("/v1"), apiKey: NARROW_KEY, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of narrow.models.list()) ids.push(model.id);
    assert.deepEqual(ids, ["mock-echo"]);
  });

  it("retrieves one model, and 404s an unknown or hidden one", async () => {
    const model = await client.models.retrieve("mock-echo");
    assert.equal(model.id, "mock-echo");
    assert.equal(model.object, "model");
    for (const id of ["no-such-model", "gpt-4o"]) {
      await assert.rejects(client.models.retrieve(id), (error: unknown) => {
        assert.ok(error instanceof OpenAI.NotFoundError, `${id}: ${String(error)}`);
        assert.equal(error.status, 404);
        return true;
      });
    }
  });
});

describe("openai: responses", () => {
  it("responses.create with text input exposes output_text", async () => {
    const response = await client.responses.create({ model: "mock-echo", input: "tell me something new", instructions: "Be brief" });
    assert.equal(response.object, "response");
    assert.equal(response.status, "completed");
    assert.equal(response.output_text, "tell me something new");
    assert.equal(response.output[0]?.type, "message");
    // Four words of input and two of instructions.
    assert.equal(response.usage?.input_tokens, 6);
    assert.equal(response.usage?.output_tokens, 4);
  });

  it("responses.create with message input", async () => {
    const response = await client.responses.create({
      model: "mock-echo",
      input: [
        { role: "developer", content: "You are helpful" },
        { role: "user", content: "message style input" },
      ],
    });
    assert.equal(response.output_text, "message style input");
  });

  it("responses.create with stream: true yields the Responses event types", async () => {
    const stream = await client.responses.create({ model: "mock-echo", input: "stream the response events", stream: true });
    const types: string[] = [];
    let text = "";
    let completedText: string | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") {
        const content = event.response.output.flatMap((item) => (item.type === "message" ? item.content : []));
        completedText = content.map((part) => (part.type === "output_text" ? part.text : "")).join("");
      }
    }
    assert.equal(types[0], "response.created");
    assert.equal(types.at(-1), "response.completed");
    assert.ok(types.includes("response.output_text.delta"));
    assert.ok(types.includes("response.output_text.done"));
    assert.equal(text, "stream the response events");
    assert.equal(completedText, "stream the response events");
  });

  it("responses.create with function tools: function_call item, then function_call_output", async () => {
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: "function",
        name: "get_current_weather",
        description: "Get the current weather in a given location",
        parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"], additionalProperties: false },
        strict: true,
      },
    ];
    const first = await client.responses.create({ model: "mock-echo", input: "What is the weather like in Boston today?", tools });
    const call = first.output.find((item) => item.type === "function_call");
    assert.ok(call?.type === "function_call", `a function_call item in ${JSON.stringify(first.output)}`);
    assert.equal(call.name, "get_current_weather");
    assert.ok(call.call_id.length > 0);
    assert.equal(typeof (JSON.parse(call.arguments) as { location?: unknown }).location, "string");
    assert.equal(first.output_text, "");

    const second = await client.responses.create({
      model: "mock-echo",
      tools,
      input: [
        { role: "user", content: "What is the weather like in Boston today?" },
        call,
        { type: "function_call_output", call_id: call.call_id, output: "14 degrees" },
      ],
    });
    assert.equal(second.output_text, "tool result: 14 degrees");
  });

  it("responses.stream() helper emits text deltas and a final response", async () => {
    const deltas: string[] = [];
    const stream = client.responses.stream({ model: "mock-echo", input: "use the responses helper" });
    stream.on("response.output_text.delta", (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    assert.equal(deltas.join(""), "use the responses helper");
    assert.equal(final.output_text, "use the responses helper");
    assert.equal(final.status, "completed");
  });
});

describe("openai: typed errors", () => {
  const chatOnce = (c: OpenAI, body: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming>) =>
    c.chat.completions.create({ model: "mock-echo", messages: user("x"), ...body } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);

  it("AuthenticationError for a wrong key", async () => {
    const wrong = new OpenAI({ baseURL: t.url("/v1"), apiKey: "sk-wrong-key-0000", maxRetries: 0 });
    await assert.rejects(chatOnce(wrong, {}), (error: unknown) => {
      assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
      assert.equal(error.status, 401);
      assert.match(error.requestID ?? "", /^req_/);
      assert.ok(error.message.length > 0);
      return true;
    });
  });

  it("NotFoundError for an unknown model, naming it", async () => {
    await assert.rejects(chatOnce(client, { model: "no-such-model" }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError, String(error));
      assert.equal(error.status, 404);
      assert.match(error.message, /no-such-model/);
      return true;
    });
  });

  it("BadRequestError with .param for a wrong type", async () => {
    await assert.rejects(chatOnce(client, { temperature: "hot" as unknown as number }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.status, 400);
      assert.equal(error.param, "temperature");
      assert.equal(error.type, "invalid_request_error");
      assert.match(error.message, /temperature/);
      return true;
    });
  });

  it("PermissionDeniedError when the key may not use the model", async () => {
    const narrow = new OpenAI({ baseURL: t.url("/v1"), apiKey: NARROW_KEY, maxRetries: 0 });
    await assert.rejects(chatOnce(narrow, { model: "mock-failover" }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.PermissionDeniedError, String(error));
      assert.equal(error.status, 403);
      return true;
    });
  });

  it("InternalServerError (an APIError) with status 502 when every upstream attempt fails", async () => {
    await assert.rejects(chatOnce(client, { model: "mock-broken" }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError, String(error));
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 502);
      assert.equal(error.code, "upstream_error");
      return true;
    });
  });

  it("a failure before the first byte of a stream rejects create() with the typed error", async () => {
    await assert.rejects(client.chat.completions.create({ model: "mock-broken", stream: true, messages: user("x") }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError, String(error));
      assert.equal(error.status, 502);
      return true;
    });
  });

  it("the error's requestID is the response's x-request-id", async () => {
    await assert.rejects(
      client.chat.completions.create({ model: "no-such-model", messages: user("x") }, { headers: { "x-request-id": "sdk-error-trace-7" } }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.requestID, "sdk-error-trace-7");
        return true;
      },
    );
  });
});

describe("openai: request ids", () => {
  it("surfaces the gateway's x-request-id as _request_id and withResponse().request_id", async () => {
    const { data, request_id, response } = await client.chat.completions
      .create({ model: "mock-echo", messages: user("which request is this") })
      .withResponse();
    assert.match(request_id ?? "", /^req_[0-9a-f]{24}$/);
    assert.equal(request_id, response.headers.get("x-request-id"));
    assert.equal((data as { _request_id?: string | null })._request_id, request_id);
  });

  it("keeps a client-chosen x-request-id", async () => {
    const completion = await client.chat.completions.create(
      { model: "mock-echo", messages: user("trace me") },
      { headers: { "x-request-id": "sdk-trace-42" } },
    );
    assert.equal(completion._request_id, "sdk-trace-42");
  });
});
