import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { testCall as adapterContext, collect } from "@switchyard/fake-upstreams";
import { ErrorClass } from "@switchyard/proto";
import type { ChatChunkJson, ChatRequestJson, JsonObject } from "../types.js";
import { embed } from "./embeddings.js";
import { createMockAdapter } from "./index.js";
import { parseMockModel } from "./model-spec.js";

const mock = createMockAdapter({ name: "mock", kind: "mock", enabled: true });

const request = (content: unknown, extra: Partial<ChatRequestJson> = {}): ChatRequestJson => ({
  model: "mock-echo",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "an earlier question" },
    { role: "assistant", content: "an answer" },
    { role: "user", content: content as string },
  ],
  ...extra,
});

const deltas = (chunks: ChatChunkJson[]) =>
  chunks.filter((c) => c.choices.length > 0).map((c) => (c.choices[0] as { delta: JsonObject }).delta);
const finishReasons = (chunks: ChatChunkJson[]) =>
  chunks.filter((c) => c.choices.length > 0).map((c) => (c.choices[0] as { finish_reason: unknown }).finish_reason);

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a rejection");
}

describe("mock echo", () => {
  it("answers with the last user message and counts words", async () => {
    const completion = await mock.chat(request("Hello there,  world"), adapterContext("echo", { requestId: "r-42" }));
    assert.equal(completion.id, "chatcmpl-r-42");
    assert.equal(completion.object, "chat.completion");
    assert.equal(completion.model, "echo");
    assert.ok(Number.isInteger(completion.created) && Math.abs(completion.created - Date.now() / 1000) < 5);
    assert.deepEqual(completion.choices, [
      { index: 0, message: { role: "assistant", content: "Hello there,  world", refusal: null }, logprobs: null, finish_reason: "stop" },
    ]);
    // prompt: "Be brief." 2 + "an earlier question" 3 + "an answer" 2 + "Hello there, world" 3
    assert.deepEqual(completion.usage, { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
  });

  it("reads the text parts of a content array", async () => {
    const parts = [
      { type: "text", text: "look at" },
      { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
      { type: "text", text: "this picture" },
    ];
    const completion = await mock.chat(request(parts), adapterContext("echo"));
    assert.equal((completion.choices[0] as { message: { content: string } }).message.content, "look at\nthis picture");
    assert.equal(completion.usage?.prompt_tokens, 7 + 4);
  });

  it("says so when there is no user message", async () => {
    const completion = await mock.chat({ messages: [{ role: "system", content: "hi" }] }, adapterContext("echo"));
    assert.equal((completion.choices[0] as { message: { content: string } }).message.content, "(no user message)");
    assert.deepEqual(completion.usage, { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 });
    const onlyImage = await mock.chat(request([{ type: "image_url", image_url: { url: "x" } }]), adapterContext("echo"));
    assert.equal((onlyImage.choices[0] as { message: { content: string } }).message.content, "(no user message)");
  });

  it("streams word by word: role first, finish_reason last, then usage", async () => {
    const chunks = await collect(mock.chatStream(request("one two  three\nfour"), adapterContext("echo", { requestId: "s-1" })));
    assert.deepEqual(deltas(chunks), [
      { role: "assistant", content: "one " },
      { content: "two  " },
      { content: "three\n" },
      { content: "four" },
    ]);
    assert.deepEqual(finishReasons(chunks), [null, null, null, "stop"]);
    for (const chunk of chunks) {
      assert.equal(chunk.id, "chatcmpl-s-1");
      assert.equal(chunk.object, "chat.completion.chunk");
      assert.equal(chunk.model, "echo");
    }
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, { prompt_tokens: 7 + 4, completion_tokens: 4, total_tokens: 15 });
  });

  it("streams exactly the text a non-streamed call answers", async () => {
    const text = "  leading space and trailing ";
    const chunks = await collect(mock.chatStream(request(text), adapterContext("echo")));
    const streamed = deltas(chunks)
      .map((d) => d.content)
      .join("");
    const completion = await mock.chat(request(text), adapterContext("echo"));
    assert.equal(streamed, text);
    assert.equal((completion.choices[0] as { message: { content: string } }).message.content, text);
  });

  it("cuts the answer at max_tokens words with finish_reason length", async () => {
    const long = request("alpha beta gamma delta epsilon", { max_tokens: 2 });
    const completion = await mock.chat(long, adapterContext("echo"));
    assert.equal((completion.choices[0] as { message: { content: string } }).message.content, "alpha beta");
    assert.equal((completion.choices[0] as { finish_reason: string }).finish_reason, "length");
    assert.equal(completion.usage?.completion_tokens, 2);

    const chunks = await collect(mock.chatStream(long, adapterContext("echo")));
    assert.deepEqual(deltas(chunks), [{ role: "assistant", content: "alpha " }, { content: "beta" }]);
    assert.deepEqual(finishReasons(chunks), [null, "length"]);
    assert.equal(chunks.at(-1)!.usage?.completion_tokens, 2);
  });

  it("prefers max_completion_tokens and ignores a limit the answer fits in", async () => {
    const both = await mock.chat(request("a b c d", { max_tokens: 1, max_completion_tokens: 3 }), adapterContext("echo"));
    assert.equal((both.choices[0] as { message: { content: string } }).message.content, "a b c");
    const roomy = await mock.chat(request("a b", { max_completion_tokens: 2 }), adapterContext("echo"));
    assert.equal((roomy.choices[0] as { finish_reason: string }).finish_reason, "stop");
  });

  it("stops waiting at once when the call is aborted", async () => {
    const controller = new AbortController();
    const ctx = adapterContext("echo?latency_ms=3600000", { signal: controller.signal });
    const pending = mock.chat(request("hi"), ctx);
    controller.abort(new Error("cancelled by test"));
    await assert.rejects(pending, /cancelled by test/);

    const stream = mock.chatStream(request("hi there"), adapterContext("echo?ttft_ms=3600000", { signal: controller.signal }));
    await assert.rejects(collect(stream), /cancelled by test/);
  });
});

describe("mock fail", () => {
  it("fails with the mapped error for the status", async () => {
    const unavailable = await rejection(mock.chat(request("hi"), adapterContext("fail?status=503")));
    assert.equal(unavailable.code, "upstream_unavailable");
    assert.equal(unavailable.message, "mock is overloaded or unavailable (status 503)");
    assert.equal(unavailable.upstreamStatus, 503);
    assert.equal(unavailable.toFailure().class, ErrorClass.RETRYABLE);

    const limited = await rejection(mock.chat(request("hi"), adapterContext("fail?status=429&retry_after=3")));
    assert.equal(limited.code, "upstream_rate_limited");
    assert.equal(limited.retryAfterS, 3);

    const rejected = await rejection(mock.chat(request("hi"), adapterContext("fail?status=400")));
    assert.equal(rejected.code, "upstream_rejected");
    assert.equal(rejected.message, "mock failure (status 400)");
    assert.equal(rejected.toFailure().class, ErrorClass.FINAL);
  });

  it("fails before the first chunk by default", async () => {
    const seen: ChatChunkJson[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of mock.chatStream(request("a b c"), adapterContext("fail?status=500"))) seen.push(chunk);
      })(),
    );
    assert.equal(error.code, "upstream_error");
    assert.equal(seen.length, 0);
  });

  it("fails mid-stream after after_chunks chunks", async () => {
    const seen: ChatChunkJson[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of mock.chatStream(request("a b c d"), adapterContext("fail?status=502&after_chunks=2"))) seen.push(chunk);
      })(),
    );
    assert.equal(error.code, "upstream_error");
    assert.equal(error.message, "mock failed with a server error (status 502)");
    assert.deepEqual(deltas(seen), [{ role: "assistant", content: "a " }, { content: "b " }]);
  });
});

describe("mock model names", () => {
  it("parses behaviour and parameters", () => {
    assert.deepEqual(parseMockModel("echo"), { behaviour: "echo", latencyMs: 0, ttftMs: 0 });
    assert.deepEqual(parseMockModel("echo?latency_ms=200&ttft_ms=50"), { behaviour: "echo", latencyMs: 200, ttftMs: 50 });
    assert.deepEqual(parseMockModel("fail?status=503&after_chunks=2"), {
      behaviour: "fail",
      latencyMs: 0,
      ttftMs: 0,
      status: 503,
      afterChunks: 2,
      retryAfterS: 0,
    });
  });

  it("rejects names and parameters it does not know, as an upstream would", () => {
    const cases: [string, RegExp][] = [
      ["gpt-4o", /unknown model "gpt-4o"/],
      ["echo?latency=5", /unknown parameter "latency"/],
      ["echo?latency_ms=fast", /whole number/],
      ["fail?status=42", /HTTP status/],
    ];
    for (const [model, message] of cases) {
      assert.throws(
        () => parseMockModel(model),
        (error: unknown) => error instanceof GatewayError && error.code === "upstream_rejected" && message.test(error.message),
        model,
      );
    }
  });
});

describe("mock embeddings", () => {
  it("is deterministic, normalised, and closer for texts that share words", async () => {
    const response = await mock.embeddings!(
      { model: "m", input: ["the cat sat on the mat", "the cat sat on a mat", "quantum chromodynamics"] },
      adapterContext("echo"),
    );
    assert.equal(response.object, "list");
    assert.equal(response.data.length, 3);
    const [a, b, c] = response.data.map((d) => d.embedding as number[]) as [number[], number[], number[]];
    assert.equal(a.length, 64);
    const dot = (x: number[], y: number[]) => x.reduce((sum, v, i) => sum + v * y[i]!, 0);
    assert.ok(Math.abs(dot(a, a) - 1) < 1e-9);
    assert.ok(dot(a, b) > dot(a, c));
    assert.deepEqual(embed("the cat sat on the mat", 64), a);
    assert.deepEqual(response.usage, { prompt_tokens: 6 + 6 + 2, total_tokens: 14 });
  });

  it("honours dimensions and base64 encoding", async () => {
    const response = await mock.embeddings!({ input: "hello", dimensions: 8, encoding_format: "base64" }, adapterContext("echo"));
    const bytes = Buffer.from(response.data[0]!.embedding as string, "base64");
    const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    assert.equal(floats.length, 8);
    assert.deepEqual(
      [...floats],
      embed("hello", 8).map((v) => Math.fround(v)),
    );
  });
});
