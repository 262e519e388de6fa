import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatRequestJson } from "../types.js";
import { readFixture, readJsonFixture } from "./fixtures.js";
import { toUpstreamChatBody, toUpstreamEmbeddingsBody, upstreamChatBytes, upstreamEmbeddingsBytes } from "./request.js";

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

  it("sends the client's own bytes with only the changed fields rewritten, the same body as the object form", () => {
    const bytes = Buffer.from(readFixture("chat-request.json"));
    for (const stream of [false, true]) {
      const input = { ...request, stream_options: { include_usage: false } };
      const inputBytes = Buffer.from(JSON.stringify(input, null, 2));
      assert.deepEqual(JSON.parse(upstreamChatBytes(input, inputBytes, "gpt-4.1", stream).toString()), toUpstreamChatBody(input, "gpt-4.1", stream));
      assert.deepEqual(JSON.parse(upstreamChatBytes(request, bytes, "gpt-4.1", stream).toString()), toUpstreamChatBody(request, "gpt-4.1", stream));
    }
    const embeddings = { model: "embed", input: ["a"], dimensions: 256 };
    const sent = upstreamEmbeddingsBytes(embeddings, Buffer.from(JSON.stringify(embeddings)), "text-embedding-3-small");
    assert.equal(sent.toString(), '{"model":"text-embedding-3-small","input":["a"],"dimensions":256}');
  });

  it("serializes the request object when its bytes cannot be read as one object", () => {
    for (const bytes of [new Uint8Array(), Buffer.from("[]")]) {
      assert.deepEqual(JSON.parse(upstreamChatBytes(request, bytes, "gpt-4.1", false).toString()), toUpstreamChatBody(request, "gpt-4.1", false));
    }
  });
});
