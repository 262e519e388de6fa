import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { readFixture as readAnyFixture, readJsonFixture as readAnyJsonFixture } from "@switchyard/fake-upstreams";
import { RequestBody } from "../request-body.js";
import type { ChatRequestJson } from "../types.js";

const readFixture = (name: string) => readAnyFixture("openai", name);
const readJsonFixture = <T = unknown>(name: string) => readAnyJsonFixture<T>("openai", name);

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
      assert.deepEqual(
        JSON.parse(upstreamChatBytes(new RequestBody(inputBytes), "gpt-4.1", stream).toString()),
        toUpstreamChatBody(input, "gpt-4.1", stream),
      );
      assert.deepEqual(
        JSON.parse(upstreamChatBytes(new RequestBody(bytes), "gpt-4.1", stream).toString()),
        toUpstreamChatBody(request, "gpt-4.1", stream),
      );
    }
    const embeddings = { model: "embed", input: ["a"], dimensions: 256 };
    const sent = upstreamEmbeddingsBytes(new RequestBody(Buffer.from(JSON.stringify(embeddings))), "text-embedding-3-small");
    assert.equal(sent.toString(), '{"model":"text-embedding-3-small","input":["a"],"dimensions":256}');
  });

  it("parses none of the body to forward it, and only stream_options of a stream", () => {
    // Not JSON past the top level: a parse would throw, so these bytes prove nothing parsed them.
    const unparsed = '"messages":[1,,2],"image":"data:image/png;base64,iVBORw0KGgo="';
    const plain = new RequestBody(Buffer.from(`{"model":"public",${unparsed}}`));
    assert.equal(upstreamChatBytes(plain, "gpt-4.1", false).toString(), `{"model":"gpt-4.1",${unparsed},"stream":false}`);
    const streamed = new RequestBody(Buffer.from(`{"model":"public",${unparsed},"stream_options":{"include_obfuscation":false}}`));
    assert.equal(
      upstreamChatBytes(streamed, "gpt-4.1", true).toString(),
      `{"model":"gpt-4.1",${unparsed},"stream_options":{"include_obfuscation":false,"include_usage":true},"stream":true}`,
    );
    assert.throws(
      () => streamed.json,
      (error: unknown) => error instanceof GatewayError && error.code === "invalid_json",
    );
  });

  it("serializes the parsed object when the bytes name a member twice, and refuses what is not a JSON object", () => {
    const twice = new RequestBody<ChatRequestJson>(
      Buffer.from('{"model":"a","messages":[],"model":"b","stream_options":{"x":1},"stream_options":{"y":2}}'),
    );
    assert.deepEqual(twice.member("stream_options"), { y: 2 });
    assert.deepEqual(JSON.parse(upstreamChatBytes(twice, "gpt-4.1", true).toString()), {
      model: "gpt-4.1",
      messages: [],
      stream_options: { y: 2, include_usage: true },
      stream: true,
    });
    for (const [bytes, code] of [
      ["[]", "invalid_request"],
      ["", "invalid_json"],
      ['{"model":', "invalid_json"],
    ] as const) {
      assert.throws(
        () => upstreamChatBytes(new RequestBody(Buffer.from(bytes)), "gpt-4.1", false),
        (error: unknown) => error instanceof GatewayError && error.code === code,
        bytes,
      );
    }
  });
});
