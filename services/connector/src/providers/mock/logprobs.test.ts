import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { choiceLogprobs, logprobsRequest, tokenLogprob } from "./logprobs.js";

describe("logprobs", () => {
  it("is asked for by logprobs: true, with top_logprobs capped at 20", () => {
    assert.equal(logprobsRequest({}), undefined);
    assert.equal(logprobsRequest({ logprobs: false, top_logprobs: 3 }), undefined);
    assert.deepEqual(logprobsRequest({ logprobs: true }), { top: 0 });
    assert.deepEqual(logprobsRequest({ logprobs: true, top_logprobs: 3 }), { top: 3 });
    assert.deepEqual(logprobsRequest({ logprobs: true, top_logprobs: 50 }), { top: 20 });
  });

  it("lists each token as certain, with its UTF-8 bytes", () => {
    assert.deepEqual(choiceLogprobs(["hé ", "ok"], { top: 0 }), {
      content: [
        { token: "hé ", logprob: 0, bytes: [104, 195, 169, 32], top_logprobs: [] },
        { token: "ok", logprob: 0, bytes: [111, 107], top_logprobs: [] },
      ],
      refusal: null,
    });
  });

  it("offers the token itself, then fixed alternatives at falling logprobs", () => {
    assert.deepEqual(tokenLogprob("a", 3).top_logprobs, [
      { token: "a", logprob: 0, bytes: [97] },
      { token: "the", logprob: -1, bytes: [116, 104, 101] },
      { token: "and", logprob: -2, bytes: [97, 110, 100] },
    ]);
    const twenty = tokenLogprob("the", 20).top_logprobs as { token: string }[];
    assert.equal(twenty.length, 20);
    assert.equal(new Set(twenty.map((t) => t.token)).size, 20);
  });
});
