import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { collect, type FakeUpstream, startFakeGemini, testCall } from "@switchyard/fake-upstreams";
import type { ChatRequestJson, ProviderAdapter } from "../types.js";
import { createGeminiAdapter } from "./index.js";

/** What the conformance suite does not cover: Gemini's own cases, through the fake (which checks requests as the API does). */
describe("gemini adapter", () => {
  let fake: FakeUpstream;
  let adapter: ProviderAdapter;
  const config = (apiKey: string) => ({ kind: "gemini" as const, name: "gemini", api_key: apiKey, api_base: fake.url, enabled: true });

  before(async () => {
    fake = await startFakeGemini({ apiKey: "test-key" });
    adapter = createGeminiAdapter(config("test-key"));
  });
  after(async () => {
    await adapter.close?.();
    await fake.close();
  });

  it("carries a tool conversation round trip the API accepts", async () => {
    const tools = [
      { type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } },
    ];
    const first: ChatRequestJson = { messages: [{ role: "user", content: "find trains" }], tools, tool_choice: "required" };
    const answer = await adapter.chat(first, testCall("tool"));
    const message = answer.choices[0]!.message as { tool_calls: { id: string }[] };
    assert.equal(message.tool_calls[0]!.id, "call_0");
    const second: ChatRequestJson = {
      ...first,
      tool_choice: "auto",
      messages: [
        ...first.messages!,
        message as never,
        { role: "tool", tool_call_id: "call_0", content: "platform 9" },
        { role: "user", content: "thanks" },
      ],
    };
    const reply = await adapter.chat(second, testCall("echo"));
    assert.equal((reply.choices[0]!.message as { content: string }).content, "thanks");
    const sent = fake.requests.at(-1)!.body as { contents: unknown[]; toolConfig: unknown };
    assert.deepEqual(sent.contents.slice(1, 3), [
      { role: "model", parts: [{ functionCall: { name: "lookup", args: { q: "find trains" } } }] },
      { role: "user", parts: [{ functionResponse: { name: "lookup", response: { output: "platform 9" } } }] },
    ]);
    assert.deepEqual(sent.toolConfig, { functionCallingConfig: { mode: "AUTO" } });
  });

  it("counts Gemini's 400 for a wrong key as an auth failure, without its text", async () => {
    const wrong = createGeminiAdapter(config("wrong-key"));
    try {
      await assert.rejects(wrong.chat({ messages: [{ role: "user", content: "x" }] }, testCall("echo")), (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.code, "upstream_auth_failed");
        assert.equal(error.message, "gemini rejected the gateway's credentials (status 400)");
        return true;
      });
    } finally {
      await wrong.close?.();
    }
  });

  it("fails a streamed blocked prompt with content_filtered naming the reason", async () => {
    await assert.rejects(
      collect(adapter.chatStream({ messages: [{ role: "user", content: "x" }] }, testCall("blocked"))),
      (error: unknown) => {
        return error instanceof GatewayError && error.code === "content_filtered" && error.message === "gemini blocked the prompt (SAFETY)";
      },
    );
  });

  it("embeds one input with embedContent, at the asked dimensions and encoding", async () => {
    const answer = await adapter.embeddings!({ input: "hello", dimensions: 4, encoding_format: "base64" }, testCall("echo"));
    assert.equal(fake.requests.at(-1)!.path, "/v1beta/models/echo:embedContent");
    assert.equal(answer.data.length, 1);
    assert.equal(Buffer.from(answer.data[0]!.embedding as string, "base64").byteLength, 16);
    assert.deepEqual(answer.usage, { prompt_tokens: 2, total_tokens: 2 });
  });

  it("refuses what Gemini cannot take before calling it", async () => {
    const before = fake.requests.length;
    await assert.rejects(
      adapter.chat(
        { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://example.com/a.png" } }] }] },
        testCall("echo"),
      ),
      (error: unknown) => error instanceof GatewayError && error.code === "invalid_request",
    );
    assert.equal(fake.requests.length, before);
  });
});
