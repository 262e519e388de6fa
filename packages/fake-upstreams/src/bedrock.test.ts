import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  InvokeModelCommand,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { type FakeUpstream, startFakeBedrock } from "./index.js";

/** The official AWS SDK client, pointed at the fake, checks that the fake speaks Bedrock's wire format. */
describe("fake bedrock, checked with @aws-sdk/client-bedrock-runtime", () => {
  let fake: FakeUpstream;
  let client: BedrockRuntimeClient;
  const credentials = { accessKeyId: "AKIDFAKEBEDROCK", secretAccessKey: "fake-bedrock-secret" };
  // The SDK speaks HTTP/2 to Bedrock by default; the fake (like the gateway's client) speaks HTTP/1.1, which Bedrock serves too.
  const clientOf = (secretAccessKey: string) =>
    new BedrockRuntimeClient({
      region: "us-east-1",
      endpoint: fake.url,
      credentials: { ...credentials, secretAccessKey },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });

  before(async () => {
    fake = await startFakeBedrock();
    client = clientOf(credentials.secretAccessKey);
  });
  after(async () => {
    client.destroy();
    await fake.close();
  });

  it("answers Converse with the echo of the last user message", async () => {
    const answer = await client.send(
      new ConverseCommand({
        modelId: "echo",
        system: [{ text: "Be brief." }],
        messages: [{ role: "user", content: [{ text: "hello there" }] }],
        inferenceConfig: { maxTokens: 50 },
      }),
    );
    assert.deepEqual(answer.output?.message?.content, [{ text: "hello there" }]);
    assert.equal(answer.stopReason, "end_turn");
    assert.deepEqual(answer.usage, { inputTokens: 4, outputTokens: 2, totalTokens: 6 });
    const recorded = fake.requests.at(-1)!;
    assert.equal(recorded.path, "/model/echo/converse");
    assert.match(
      String(recorded.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIDFAKEBEDROCK\/\d{8}\/us-east-1\/bedrock\/aws4_request/,
    );
  });

  it("streams ConverseStream events in Bedrock's order, one text delta per word", async () => {
    const answer = await client.send(
      new ConverseStreamCommand({ modelId: "echo", messages: [{ role: "user", content: [{ text: "one two three" }] }] }),
    );
    const events: ConverseStreamOutput[] = [];
    for await (const event of answer.stream!) events.push(event);
    const kinds = events.map((event) => Object.keys(event).find((key) => key !== "$unknown"));
    assert.deepEqual(kinds, [
      "messageStart",
      "contentBlockDelta",
      "contentBlockDelta",
      "contentBlockDelta",
      "contentBlockStop",
      "messageStop",
      "metadata",
    ]);
    const text = events.map((event) => event.contentBlockDelta?.delta?.text ?? "").join("");
    assert.equal(text, "one two three");
    assert.equal(events.at(-2)!.messageStop?.stopReason, "end_turn");
    assert.equal(events.at(-1)!.metadata?.usage?.outputTokens, 3);
  });

  it("streams a tool call's input in pieces", async () => {
    const answer = await client.send(
      new ConverseStreamCommand({
        modelId: "tool",
        messages: [{ role: "user", content: [{ text: "weather in Paris" }] }],
        toolConfig: { tools: [{ toolSpec: { name: "lookup", inputSchema: { json: { type: "object" } } } }] },
      }),
    );
    const events: ConverseStreamOutput[] = [];
    for await (const event of answer.stream!) events.push(event);
    assert.equal(events.find((e) => e.contentBlockStart)?.contentBlockStart?.start?.toolUse?.name, "lookup");
    const input = events.map((e) => e.contentBlockDelta?.delta?.toolUse?.input ?? "").join("");
    assert.deepEqual(JSON.parse(input), { q: "weather in Paris" });
    assert.equal(events.find((e) => e.messageStop)?.messageStop?.stopReason, "tool_use");
  });

  it("raises a mid-stream exception as the SDK's modeled exception", async () => {
    const answer = await client.send(
      new ConverseStreamCommand({ modelId: "mid-stream-error", messages: [{ role: "user", content: [{ text: "hi" }] }] }),
    );
    await assert.rejects(
      async () => {
        for await (const _ of answer.stream!) {
          // Read until the exception.
        }
      },
      (error: Error) => error.name === "ModelStreamErrorException",
    );
  });

  it("answers InvokeModel for Titan and Cohere embeddings, the model id escaped in the path", async () => {
    const titan = await client.send(
      new InvokeModelCommand({
        modelId: "amazon.titan-embed-text-v2:0",
        contentType: "application/json",
        body: JSON.stringify({ inputText: "a b c", dimensions: 256 }),
      }),
    );
    const titanBody = JSON.parse(new TextDecoder().decode(titan.body));
    assert.equal(titanBody.embedding.length, 256);
    assert.equal(titanBody.inputTextTokenCount, 3);
    assert.equal(fake.requests.at(-1)!.path, "/model/amazon.titan-embed-text-v2%3A0/invoke");

    const cohere = await client.send(
      new InvokeModelCommand({
        modelId: "cohere.embed-english-v3",
        body: JSON.stringify({ texts: ["a", "b"], input_type: "search_document" }),
      }),
    );
    assert.equal(JSON.parse(new TextDecoder().decode(cohere.body)).embeddings.length, 2);
  });

  it("answers errors with the type the SDK reads", async () => {
    const send = (modelId: string) =>
      client.send(new ConverseCommand({ modelId, messages: [{ role: "user", content: [{ text: "hi" }] }] }));
    await assert.rejects(send("status-429"), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
      return error.name === "ThrottlingException" && error.$metadata?.httpStatusCode === 429;
    });
    await assert.rejects(send("context-length"), (error: Error) => error.name === "ValidationException" && /too long/.test(error.message));
  });

  it("refuses a request signed with the wrong secret", async () => {
    const wrong = clientOf("wrong");
    try {
      await assert.rejects(
        wrong.send(new ConverseCommand({ modelId: "echo", messages: [{ role: "user", content: [{ text: "hi" }] }] })),
        (error: Error & { $metadata?: { httpStatusCode?: number } }) =>
          error.$metadata?.httpStatusCode === 403 && /signature/.test(error.message),
      );
    } finally {
      wrong.destroy();
    }
  });
});
