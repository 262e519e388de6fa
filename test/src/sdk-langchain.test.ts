import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AIMessageChunk, HumanMessage, SystemMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { z } from "zod";
import { ADMIN_KEY, startTestMesh, type TestMesh } from "./harness.js";

/*
 * LangChain's `ChatOpenAI` (Chat Completions) pointed at the gateway with
 * `configuration: { baseURL }`: invoke, stream, bindTools and the tool round trip,
 * structured output, embeddings.
 */

let t: TestMesh;

const chat = (model = "mock-echo", apiKey = ADMIN_KEY) =>
  new ChatOpenAI({ model, apiKey, configuration: { baseURL: t.url("/v1") }, maxRetries: 0 });

const getWeather = tool(async ({ location }) => `22C and clear in ${location}`, {
  name: "get_weather",
  description: "Current weather for a location",
  schema: z.object({ location: z.string().describe("City name") }),
});

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<{ full: AIMessageChunk; count: number }> {
  let full: AIMessageChunk | undefined;
  let count = 0;
  for await (const chunk of stream) {
    count += 1;
    full = full ? full.concat(chunk) : chunk;
  }
  assert.ok(full, "the stream yielded chunks");
  return { full, count };
}

before(async () => {
  t = await startTestMesh({ connectors: [{ provider: "mock" }] });
});
after(async () => {
  await t?.stop();
});

describe("langchain: ChatOpenAI", () => {
  it("invoke returns an AIMessage with content, usage_metadata and finish_reason", async () => {
    const message = await chat().invoke("hello from langchain js");
    assert.equal(message.content, "hello from langchain js");
    assert.equal(message.response_metadata.finish_reason, "stop");
    assert.equal(message.usage_metadata?.input_tokens, 4);
    assert.equal(message.usage_metadata?.output_tokens, 4);
    assert.equal(message.usage_metadata?.total_tokens, 8);
    assert.match(message.id ?? "", /^chatcmpl-/);
  });

  it("invoke with system and human messages", async () => {
    const message = await chat().invoke([new SystemMessage("You are a parrot"), new HumanMessage("repeat after me")]);
    assert.equal(message.content, "repeat after me");
    assert.equal(message.usage_metadata?.input_tokens, 7);
  });

  it("stream yields chunks that concatenate to the answer, with usage", async () => {
    const { full, count } = await collect(await chat().stream("langchain streams this answer"));
    assert.equal(full.content, "langchain streams this answer");
    assert.ok(count >= 4, `several chunks (${count})`);
    assert.equal(full.usage_metadata?.input_tokens, 4);
    assert.equal(full.usage_metadata?.output_tokens, 4);
  });

  it("streams through the heartbeats of a slow first token", async () => {
    const { full } = await collect(await chat("mock-thinking").stream("take your time"));
    assert.equal(full.content, "take your time");
  });

  it("bindTools → tool_calls on the AIMessage → ToolMessage → final answer", async () => {
    const model = chat().bindTools([getWeather]);
    const question = new HumanMessage("What is the weather in Rome?");
    const ai = await model.invoke([question]);
    assert.equal(ai.tool_calls?.length, 1);
    const call = ai.tool_calls![0]!;
    assert.equal(call.name, "get_weather");
    assert.match(call.id ?? "", /^call_/);
    assert.equal(typeof call.args.location, "string");
    assert.equal(ai.response_metadata.finish_reason, "tool_calls");

    const toolMessage = await getWeather.invoke(call);
    const answer = await model.invoke([question, ai, toolMessage]);
    assert.equal(answer.content, `tool result: 22C and clear in ${String(call.args.location)}`);
    assert.deepEqual(answer.tool_calls ?? [], []);
  });

  it("bindTools with tool_choice forces the named tool", async () => {
    const getTime = tool(async ({ timezone }) => `noon in ${timezone}`, {
      name: "get_time",
      description: "Local time",
      schema: z.object({ timezone: z.string() }),
    });
    const ai = await chat().bindTools([getWeather, getTime], { tool_choice: "get_time" }).invoke("what time is it in Tokyo");
    assert.equal(ai.tool_calls?.[0]?.name, "get_time");
    assert.equal(typeof ai.tool_calls?.[0]?.args.timezone, "string");
  });

  it("streamed tool-call chunks assemble into tool_calls", async () => {
    const { full } = await collect(await chat().bindTools([getWeather]).stream("weather in Madrid"));
    assert.equal(full.tool_calls?.length, 1);
    assert.equal(full.tool_calls?.[0]?.name, "get_weather");
    assert.equal(typeof full.tool_calls?.[0]?.args.location, "string");
    assert.ok((full.tool_call_chunks?.length ?? 0) >= 1);
  });

  it("withStructuredOutput returns an object matching the zod schema", async () => {
    const Person = z.object({ name: z.string(), age: z.number().int(), hobbies: z.array(z.string()) });
    const person = await chat().withStructuredOutput(Person, { name: "person" }).invoke("describe a person");
    assert.ok(Person.safeParse(person).success, `conforms: ${JSON.stringify(person)}`);
  });

  it("useResponsesApi: invoke and stream through /v1/responses", async () => {
    const model = new ChatOpenAI({
      model: "mock-echo",
      apiKey: ADMIN_KEY,
      configuration: { baseURL: t.url("/v1") },
      maxRetries: 0,
      useResponsesApi: true,
    });
    const message = await model.invoke("through the responses api");
    assert.equal(message.text, "through the responses api");
    assert.equal(message.usage_metadata?.input_tokens, 4);
    const { full } = await collect(await model.stream("streamed through responses"));
    assert.equal(full.text, "streamed through responses");
  });

  it("a wrong key surfaces as a 401 with LangChain's MODEL_AUTHENTICATION code", async () => {
    await assert.rejects(chat("mock-echo", "sk-wrong-key-0000").invoke("x"), (error: unknown) => {
      const e = error as { status?: number; lc_error_code?: string };
      assert.equal(e.status, 401, String(error));
      assert.equal(e.lc_error_code, "MODEL_AUTHENTICATION");
      return true;
    });
  });

  it("an unknown model surfaces as a 404 with MODEL_NOT_FOUND", async () => {
    await assert.rejects(chat("no-such-model").invoke("x"), (error: unknown) => {
      const e = error as { status?: number; lc_error_code?: string };
      assert.equal(e.status, 404, String(error));
      assert.equal(e.lc_error_code, "MODEL_NOT_FOUND");
      return true;
    });
  });
});

describe("langchain: OpenAIEmbeddings", () => {
  it("embedQuery and embedDocuments return the mock's vectors", async () => {
    const embeddings = new OpenAIEmbeddings({
      model: "mock-embed",
      apiKey: ADMIN_KEY,
      configuration: { baseURL: t.url("/v1") },
      maxRetries: 0,
    });
    const query = await embeddings.embedQuery("green tea with lemon");
    assert.equal(query.length, 64);
    const docs = await embeddings.embedDocuments(["black coffee", "green tea with lemon"]);
    assert.equal(docs.length, 2);
    docs[1]!.forEach((x, i) => assert.ok(Math.abs(x - query[i]!) < 1e-6, `component ${i}`));
  });
});
