import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { LEAK_MARKER } from "./behaviour.js";
import { type FakeOpenAI, startFakeOpenAI } from "./openai.js";

/** The fake checked against OpenAI's own client: what it sends is what the fake accepts, and what the fake answers the client reads. */
describe("fake OpenAI upstream, read by the openai client", () => {
  let fake: FakeOpenAI;
  let client: OpenAI;
  const messages = [
    { role: "system" as const, content: "Be brief." },
    { role: "user" as const, content: "hello there world" },
  ];
  const tools = [
    { type: "function" as const, function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } },
  ];

  before(async () => {
    fake = await startFakeOpenAI({ apiKey: "test-key" });
    client = new OpenAI({ apiKey: "test-key", baseURL: `${fake.url}/v1`, maxRetries: 0 });
  });
  after(() => fake.close());

  it("echoes the last user message with word-count usage and rate-limit headers", async () => {
    const { data, response } = await client.chat.completions.create({ model: "echo", messages }).withResponse();
    assert.equal(data.choices[0]!.message.content, "hello there world");
    assert.equal(data.choices[0]!.finish_reason, "stop");
    assert.deepEqual(data.usage, { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
    assert.equal(response.headers.get("x-ratelimit-remaining-requests"), "9999");
    assert.equal(fake.requests.at(-1)!.path, "/v1/chat/completions");
  });

  it("streams one delta per word, then the finish and usage chunks", async () => {
    const stream = await client.chat.completions.create({ model: "echo", messages, stream: true, stream_options: { include_usage: true } });
    const deltas: string[] = [];
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.deepEqual(deltas, ["hello ", "there ", "world"]);
    assert.equal(finish, "stop");
    assert.deepEqual(usage, { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  it("calls the first tool, streamed in pieces the client's helper reassembles", async () => {
    const answer = await client.chat.completions.create({ model: "tool", messages, tools });
    assert.equal(answer.choices[0]!.finish_reason, "tool_calls");
    const call = answer.choices[0]!.message.tool_calls![0]!;
    assert.equal(call.type === "function" && call.function.name, "lookup");
    const final = await client.chat.completions.stream({ model: "tool", messages, tools }).finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls![0]!;
    assert.deepEqual(streamed.type === "function" && JSON.parse(streamed.function.arguments), { q: "hello there world" });
  });

  it("refuses with OpenAI's error bodies, which the client reads", async () => {
    const limited = await client.chat.completions.create({ model: "status-429", messages }).catch((error: unknown) => error);
    assert.ok(limited instanceof OpenAI.RateLimitError);
    assert.equal(limited.headers.get("retry-after"), "7");
    assert.match(limited.message, new RegExp(LEAK_MARKER));
    const context = await client.chat.completions.create({ model: "context-length", messages }).catch((error: unknown) => error);
    assert.ok(context instanceof OpenAI.BadRequestError);
    assert.equal(context.code, "context_length_exceeded");
    const wrongKey = new OpenAI({ apiKey: "sk-wrong", baseURL: `${fake.url}/v1`, maxRetries: 0 });
    const denied = await wrongKey.chat.completions.create({ model: "echo", messages }).catch((error: unknown) => error);
    assert.ok(denied instanceof OpenAI.AuthenticationError);
    assert.equal(denied.code, "invalid_api_key");
  });

  it("closes a mid-stream-error stream after one delta, and counts a client that leaves a hang", async () => {
    const stream = await client.chat.completions.create({ model: "mid-stream-error", messages, stream: true });
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) seen.push(chunk.choices[0].delta.content);
    });
    assert.deepEqual(seen, ["hello "]);

    const before = fake.disconnects;
    const controller = new AbortController();
    const hanging = await client.chat.completions.create({ model: "hang", messages, stream: true }, { signal: controller.signal });
    const iterator = hanging[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    // The client ends its iterator quietly on abort; what matters here is the fake's count.
    await iterator.next().catch(() => undefined);
    for (let tries = 0; tries < 200 && fake.disconnects === before; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(fake.disconnects, before + 1);
  });
});
