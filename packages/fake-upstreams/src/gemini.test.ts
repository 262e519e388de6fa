import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiError, GoogleGenAI } from "@google/genai";
import { LEAK_MARKER } from "./behaviour.js";
import { type FakeUpstream, startFakeGemini } from "./index.js";

/** Google's own client, pointed at the fake: what it sends must pass, what the fake answers must read. */
describe("fake gemini against @google/genai", () => {
  let fake: FakeUpstream;
  let ai: GoogleGenAI;
  const text = "Which platform does the night train leave from?";
  const lookup = {
    name: "lookup",
    description: "Looks a question up",
    parametersJsonSchema: { type: "object", properties: { q: { type: "string" } } },
  };

  before(async () => {
    fake = await startFakeGemini({ apiKey: "test-key" });
    ai = new GoogleGenAI({ apiKey: "test-key", httpOptions: { baseUrl: fake.url } });
  });
  after(() => fake.close());

  it("answers generateContent with the echoed text and usage, checking the key header and path", async () => {
    const answer = await ai.models.generateContent({
      model: "echo",
      contents: [{ role: "user", parts: [{ text }] }],
      config: { systemInstruction: "Answer briefly.", temperature: 0.2, maxOutputTokens: 100, stopSequences: ["END"] },
    });
    assert.equal(answer.text, text);
    assert.equal(answer.candidates?.[0]?.finishReason, "STOP");
    assert.deepEqual([answer.usageMetadata?.promptTokenCount, answer.usageMetadata?.candidatesTokenCount], [10, 8]);
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/v1beta/models/echo:generateContent");
    assert.equal(sent.headers["x-goog-api-key"], "test-key");
    assert.deepEqual((sent.body as { generationConfig: unknown }).generationConfig, {
      temperature: 0.2,
      maxOutputTokens: 100,
      stopSequences: ["END"],
    });
  });

  it("streams one word per frame over SSE", async () => {
    const pieces: string[] = [];
    let finish: string | undefined;
    for await (const chunk of await ai.models.generateContentStream({ model: "echo", contents: text })) {
      pieces.push(chunk.text ?? "");
      finish ??= chunk.candidates?.[0]?.finishReason;
    }
    assert.equal(pieces.length, 8);
    assert.equal(pieces.join(""), text);
    assert.equal(finish, "STOP");
    assert.equal(fake.requests.at(-1)!.path, "/v1beta/models/echo:streamGenerateContent?alt=sse");
  });

  it("calls the first declared function", async () => {
    const answer = await ai.models.generateContent({
      model: "tool",
      contents: text,
      config: { tools: [{ functionDeclarations: [lookup] }] },
    });
    assert.deepEqual(answer.functionCalls, [{ name: "lookup", args: { q: text } }]);
  });

  it("takes function call and response turns, and refuses answers that do not match the calls", async () => {
    const call = { role: "model", parts: [{ functionCall: { name: "lookup", args: { q: "x" } } }] };
    const answer = await ai.models.generateContent({
      model: "echo",
      contents: [
        { role: "user", parts: [{ text: "look x up" }] },
        call,
        { role: "user", parts: [{ functionResponse: { name: "lookup", response: { output: "1" } } }] },
      ],
      config: { tools: [{ functionDeclarations: [lookup] }] },
    });
    assert.equal(answer.text, "look x up");
    await assert.rejects(
      ai.models.generateContent({
        model: "echo",
        contents: [
          call,
          {
            role: "user",
            parts: [{ functionResponse: { name: "lookup", response: {} } }, { functionResponse: { name: "lookup", response: {} } }],
          },
        ],
      }),
      (error: unknown) => error instanceof ApiError && error.status === 400 && /number of function response parts/.test(error.message),
    );
  });

  it("embeds one text with embedContent and several with batchEmbedContents", async () => {
    const one = await ai.models.embedContent({ model: "echo", contents: "hello", config: { outputDimensionality: 4 } });
    assert.equal(one.embeddings?.length, 1);
    assert.equal(one.embeddings?.[0]?.values?.length, 4);
    const batch = await ai.models.embedContent({ model: "echo", contents: ["a", "b", "c"] });
    assert.equal(batch.embeddings?.length, 3);
    assert.equal(fake.requests.at(-1)!.path, "/v1beta/models/echo:batchEmbedContents");
  });

  it("answers a blocked prompt with promptFeedback and no candidates", async () => {
    const answer = await ai.models.generateContent({ model: "blocked", contents: text });
    assert.equal(answer.promptFeedback?.blockReason, "SAFETY");
    assert.equal(answer.candidates, undefined);
  });

  it("refuses as Google does: status models, context length, a wrong key, unknown fields", async () => {
    const refusal = async (client: GoogleGenAI, model: string, extra: object = {}) => {
      try {
        await client.models.generateContent({ model, contents: text, ...extra });
      } catch (error) {
        assert.ok(error instanceof ApiError, String(error));
        return error;
      }
      assert.fail("no refusal");
    };
    const limited = await refusal(ai, "status-429");
    assert.equal(limited.status, 429);
    assert.match(limited.message, /RESOURCE_EXHAUSTED/);
    assert.ok(limited.message.includes(LEAK_MARKER));
    assert.equal((await refusal(ai, "status-503")).status, 503);
    const long = await refusal(ai, "context-length");
    assert.equal(long.status, 400);
    assert.match(long.message, /input token count/);
    const wrongKey = await refusal(new GoogleGenAI({ apiKey: "other", httpOptions: { baseUrl: fake.url } }), "echo");
    assert.equal(wrongKey.status, 400);
    assert.match(wrongKey.message, /API_KEY_INVALID/);
    const unknown = await refusal(ai, "echo", { config: { httpOptions: { extraBody: { generationConfig: { maxTokens: 5 } } } } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.message, /Unknown name \W*maxTokens\W* at .generation_config.: Cannot find field/);
  });
});
