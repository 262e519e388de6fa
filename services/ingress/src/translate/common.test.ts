import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anthropicDialect, encodeSseEvent, expectInteger, idSuffix, openAIDialect, runValidation } from "./common.js";

describe("translate/common", () => {
  it("frames an event as an SSE event line and a JSON data line", () => {
    assert.equal(encodeSseEvent({ event: "message_stop", data: { type: "message_stop" } }), 'event: message_stop\ndata: {"type":"message_stop"}\n\n');
    assert.equal(encodeSseEvent({ event: "x", data: { text: "a\nb" } }), 'event: x\ndata: {"text":"a\\nb"}\n\n');
  });

  it("names params in each API's notation", () => {
    assert.equal(anthropicDialect.param(["messages", 0, "content", 2, "type"]), "messages.0.content.2.type");
    assert.equal(openAIDialect.param(["input", 0, "content", 2, "type"]), "input[0].content[2].type");
  });

  it("reports the first problem and rethrows anything that is not a validation problem", () => {
    assert.deepEqual(
      runValidation(openAIDialect, () => expectInteger(1.5, ["n"])),
      { ok: false, error: { param: "n", message: "Invalid type for 'n': expected an integer, but got a number instead." } },
    );
    assert.deepEqual(runValidation(openAIDialect, () => expectInteger(3, ["n"], { min: 1 })), { ok: true, value: 3 });
    assert.throws(() => runValidation(openAIDialect, () => { throw new TypeError("bug"); }), TypeError);
  });

  it("derives id suffixes from upstream ids", () => {
    assert.equal(idSuffix("chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"), "B9MBs8CjcvOU2jLn4n570S5qMJKcT");
    assert.equal(idSuffix("resp_abc"), "abc");
    assert.equal(idSuffix("gen-1234"), "gen-1234");
    assert.match(idSuffix(undefined), /^[0-9a-f]{24}$/);
    assert.notEqual(idSuffix(null), idSuffix(null));
  });
});
