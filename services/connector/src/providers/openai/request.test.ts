import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatRequestJson } from "../types.js";
import { readJsonFixture } from "./fixtures.js";
import { toUpstreamChatBody, toUpstreamEmbeddingsBody } from "./request.js";

describe("openai request translation", () => {
  const request = readJsonFixture<ChatRequestJson>("chat-request.json");

  it("passes every field through with the upstream model", () => {
    const body = toUpstreamChatBody(request, "gpt-4.1", false);
    const { model, stream, ...rest } = body;
    assert.equal(model, "gpt-4.1");
    assert.equal(stream, false);
    const { model: _public, ...original } = request;
    assert.deepEqual(rest, original);
    assert.deepEqual(body.vendor_extension, { priority: "high" });
  });

  it("asks for usage on a stream and keeps the client's other stream options", () => {
    const body = toUpstreamChatBody({ ...request, stream: true, stream_options: { include_obfuscation: false } }, "gpt-4.1", true);
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_obfuscation: false, include_usage: true });
    assert.deepEqual(toUpstreamChatBody(request, "gpt-4.1", true).stream_options, { include_usage: true });
  });

  it("drops stream_options when the call does not stream, and never changes its input", () => {
    const input = { ...request, stream: true, stream_options: { include_usage: true } };
    const copy = structuredClone(input);
    const body = toUpstreamChatBody(input, "gpt-4.1", false);
    assert.equal(body.stream, false);
    assert.equal("stream_options" in body, false);
    assert.deepEqual(input, copy);
  });

  it("replaces the model of an embeddings request", () => {
    assert.deepEqual(toUpstreamEmbeddingsBody({ model: "embed", input: ["a"], dimensions: 256 }, "text-embedding-3-small"), {
      model: "text-embedding-3-small",
      input: ["a"],
      dimensions: 256,
    });
  });
});
