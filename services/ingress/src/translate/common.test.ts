import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Type as T } from "@sinclair/typebox";
import { Int } from "../schemas/keywords.js";
import { anthropicDialect, compileValidator, encodeSseEvent, idSuffix, openAIDialect } from "./common.js";

describe("translate/common", () => {
  it("frames an event as an SSE event line and a JSON data line", () => {
    assert.equal(
      encodeSseEvent({ event: "message_stop", data: { type: "message_stop" } }),
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    );
    assert.equal(encodeSseEvent({ event: "x", data: { text: "a\nb" } }), 'event: x\ndata: {"text":"a\\nb"}\n\n');
  });

  it("names params in each API's notation", () => {
    assert.equal(anthropicDialect.param(["messages", 0, "content", 2, "type"]), "messages.0.content.2.type");
    assert.equal(openAIDialect.param(["input", 0, "content", 2, "type"]), "input[0].content[2].type");
  });

  it("reports the first problem and returns a valid body as it is", () => {
    const validate = compileValidator<{ n: number }>(T.Object({ n: Int({ minimum: 1 }) }), openAIDialect);
    assert.deepEqual(validate({ n: 1.5 }), {
      ok: false,
      error: { param: "n", message: "Invalid type for 'n': expected an integer, but got a number instead." },
    });
    const body = { n: 3 };
    assert.deepEqual(validate(body), { ok: true, value: { n: 3 } });
    assert.equal((validate(body) as { value: unknown }).value, body);
  });

  it("derives id suffixes from upstream ids", () => {
    assert.equal(idSuffix("chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"), "B9MBs8CjcvOU2jLn4n570S5qMJKcT");
    assert.equal(idSuffix("resp_abc"), "abc");
    assert.equal(idSuffix("gen-1234"), "gen-1234");
    assert.match(idSuffix(undefined), /^[0-9a-f]{24}$/);
    assert.notEqual(idSuffix(null), idSuffix(null));
  });
});
