import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyLimits, cutAtStop, stopSequences, tokenLimit } from "./limits.js";

describe("limits", () => {
  it("cuts before the earliest stop sequence", () => {
    assert.equal(cutAtStop("one two. three; four", [";", "."]), "one two");
    assert.equal(cutAtStop("one two", ["x"]), "one two");
    assert.equal(cutAtStop("STOP here", ["STOP"]), "");
  });

  it("reads stop as a string or an array, ignoring empty and non-string entries", () => {
    assert.deepEqual(stopSequences({ stop: "END" }), ["END"]);
    assert.deepEqual(stopSequences({ stop: ["a", "", 3, "b"] }), ["a", "b"]);
    assert.deepEqual(stopSequences({ stop: null }), []);
    assert.deepEqual(stopSequences({}), []);
  });

  it("prefers max_completion_tokens and ignores unusable limits", () => {
    assert.equal(tokenLimit({ max_tokens: 1, max_completion_tokens: 3 }), 3);
    assert.equal(tokenLimit({ max_tokens: 2 }), 2);
    assert.equal(tokenLimit({ max_tokens: 0 }), undefined);
    assert.equal(tokenLimit({ max_completion_tokens: 1.5, max_tokens: null }), undefined);
  });

  it("ends with whichever limit comes first", () => {
    assert.deepEqual(applyLimits("alpha beta. gamma delta", { stop: "." }), { content: "alpha beta", finishReason: "stop" });
    assert.deepEqual(applyLimits("alpha beta. gamma delta", { stop: ".", max_tokens: 1 }), { content: "alpha", finishReason: "length" });
    assert.deepEqual(applyLimits("alpha beta gamma. delta", { stop: ".", max_tokens: 2 }), {
      content: "alpha beta",
      finishReason: "length",
    });
    assert.deepEqual(applyLimits("alpha beta", { stop: ".", max_tokens: 2 }), { content: "alpha beta", finishReason: "stop" });
  });
});
