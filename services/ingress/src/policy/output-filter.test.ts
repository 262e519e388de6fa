import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PII_KINDS } from "@switchyard/guardrails";
import { StreamChunk } from "../pipeline/answer-format.js";
import { OutputFilter } from "./output-filter.js";

const chunk = (content: string, finish: string | null = null) =>
  new StreamChunk(
    Buffer.from(JSON.stringify({ id: "c1", model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })),
  );

describe("OutputFilter", () => {
  it("redacts a whole answer and says it changed it", () => {
    const filter = new OutputFilter(PII_KINDS, true);
    const out = filter.complete(
      Buffer.from(JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: "mail bob@example.com" } }] })),
    );
    assert.equal(JSON.parse(Buffer.from(out).toString()).choices[0].message.content, "mail [EMAIL]");
    assert.deepEqual(filter.counts, { email: 1 });
    assert.equal(filter.changed, true);
  });

  it("redacts a card number split over stream chunks, holding back only the digits", () => {
    const filter = new OutputFilter(PII_KINDS, true);
    const pieces = ["Your card ", "4111 ", "1111 ", "1111 ", "1111", " is on file.", ""];
    let text = "";
    pieces.forEach((piece, i) => {
      const out = filter.chunk(chunk(piece, i === pieces.length - 1 ? "stop" : null));
      text += out.view.choices?.[0]?.delta?.content ?? "";
      assert.ok(!text.includes("1111 1111"), `no card digits out after chunk ${i}: ${JSON.stringify(text)}`);
    });
    assert.equal(text, "Your card [CREDIT_CARD] is on file.");
    assert.deepEqual(filter.counts, { credit_card: 1 });
  });

  it("in log mode counts without changing a byte", () => {
    const filter = new OutputFilter(PII_KINDS, false);
    const original = chunk("call +1 415 555 0100 ", "stop");
    assert.equal(filter.chunk(original), original);
    assert.deepEqual(filter.counts, { phone: 1 });
    assert.equal(filter.changed, false);
  });
});
