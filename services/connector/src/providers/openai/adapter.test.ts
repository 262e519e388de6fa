import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type FakeOpenAI, LONG_STREAM_CHUNKS, longStreamContent, startFakeOpenAI, testCall } from "@switchyard/fake-upstreams";
import type { ProviderAdapter } from "../types.js";
import { createOpenAIAdapter } from "./index.js";

describe("OpenAI adapter reading a stream", () => {
  let upstream: FakeOpenAI;
  let adapter: ProviderAdapter;

  before(async () => {
    upstream = await startFakeOpenAI();
    adapter = createOpenAIAdapter({
      name: "openai-test",
      kind: "openai",
      enabled: true,
      api_key: "sk-test-not-real",
      api_base: `${upstream.url}/v1`,
    });
  });
  after(async () => {
    await adapter.close?.();
    await upstream.close();
  });

  it("holds back an upstream faster than its reader, and loses no chunk", async () => {
    const seen = upstream.nextRequest();
    const contents: string[] = [];
    const request = { model: "any", messages: [{ role: "user", content: "go" }] };
    for await (const chunk of adapter.chatStream(request, testCall("long-stream"))) {
      const content = (chunk.choices[0] as { delta?: { content?: string } } | undefined)?.delta?.content;
      if (content === undefined) continue;
      contents.push(content);
      // ~2 MB arrive far faster than this reads: the adapter must pause the socket, then resume it.
      if (contents.length % 200 === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(contents.length, LONG_STREAM_CHUNKS);
    contents.forEach((content, index) => assert.equal(content, longStreamContent(index)));
    assert.equal((await (await seen).closed).finished, true, "the upstream finished its answer");
  });
});
