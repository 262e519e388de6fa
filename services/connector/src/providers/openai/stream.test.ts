import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { collect, readFixture as readAnyFixture } from "@switchyard/fake-upstreams";
import type { ChatChunkJson } from "../types.js";

const readFixture = (name: string) => readAnyFixture("openai", name);

import { readChatStream } from "./stream.js";

/** The bytes of `text` in slices of `size`, cutting through lines and multi-byte characters. */
async function* slices(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const transcript = readFixture("chat-stream.sse");
const expected = transcript
  .split("\n\n")
  .map((event) => event.slice("data: ".length))
  .filter((data) => data !== "" && data !== "[DONE]")
  .map((data) => JSON.parse(data) as ChatChunkJson);

describe("openai stream reading", () => {
  it("yields every chunk of the transcript, however the bytes are cut", async () => {
    for (const size of [1, 7, 64, 100_000]) {
      assert.deepEqual(await collect(readChatStream(slices(transcript, size), "openai")), expected, `slices of ${size}`);
    }
  });

  it("keeps multi-byte characters split across reads", async () => {
    const text =
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"héllo 👋"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
    const chunks = await collect(readChatStream(slices(text, 3), "openai"));
    assert.equal((chunks[0]!.choices[0] as { delta: { content: string } }).delta.content, "héllo 👋");
  });

  it("stops at [DONE] and ignores comments and CRLF line ends", async () => {
    const text = `: keep-alive\r\n\r\n${transcript.replaceAll("\n", "\r\n")}data: {"after":"done"}\r\n\r\n`;
    assert.deepEqual(await collect(readChatStream(slices(text, 50), "openai")), expected);
  });

  it("accepts a finished stream without [DONE] but not one cut short", async () => {
    const finished = transcript.replace("data: [DONE]\n\n", "");
    assert.deepEqual(await collect(readChatStream(slices(finished, 50), "openai")), expected);
    const cut = `${transcript.split("\n\n").slice(0, 3).join("\n\n")}\n\n`;
    await assert.rejects(
      collect(readChatStream(slices(cut, 50), "openai")),
      (error: unknown) => error instanceof GatewayError && error.code === "upstream_error" && /before it finished/.test(error.message),
    );
  });

  it("turns an error event into a failure after the chunks before it", async () => {
    const first = transcript.split("\n\n")[1]!;
    const text = `${first}\n\ndata: {"error":{"message":"overloaded","type":"server_error","code":null}}\n\n`;
    const seen: ChatChunkJson[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of readChatStream(slices(text, 10), "openai")) seen.push(chunk);
      })(),
      (error: unknown) => error instanceof GatewayError && error.code === "upstream_error",
    );
    assert.equal(seen.length, 1);
  });
});
