import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { durationMs, headerNumber, openAIRateLimits } from "./rate-limits.js";

describe("rate-limit headers", () => {
  it("read durations as Go writes them, bare seconds, and dates", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    assert.equal(durationMs("1s", now), 1_000);
    assert.equal(durationMs("6m0s", now), 360_000);
    assert.equal(durationMs("120ms", now), 120);
    assert.equal(durationMs("1h2m3.5s", now), 3_723_500);
    assert.equal(durationMs("2", now), 2_000);
    assert.equal(durationMs("2025-01-01T00:00:30Z", now), 30_000);
    assert.equal(durationMs("2024-12-31T23:00:00Z", now), 0);
    assert.equal(durationMs("soon", now), undefined);
    assert.equal(durationMs(undefined, now), undefined);
  });

  it("read numbers, taking the first of repeated headers", () => {
    assert.equal(headerNumber({ a: "42" }, "a"), 42);
    assert.equal(headerNumber({ a: ["7", "8"] }, "a"), 7);
    assert.equal(headerNumber({ a: "x" }, "a"), undefined);
    assert.equal(headerNumber({}, "a"), undefined);
  });

  it("read OpenAI's six headers, and nothing when none is sent", () => {
    const limits = openAIRateLimits({
      "x-ratelimit-limit-requests": "500",
      "x-ratelimit-remaining-requests": "499",
      "x-ratelimit-reset-requests": "120ms",
      "x-ratelimit-limit-tokens": "30000",
      "x-ratelimit-remaining-tokens": "29000",
      "x-ratelimit-reset-tokens": "2s",
    });
    assert.deepEqual(limits, {
      limitRequests: 500,
      remainingRequests: 499,
      resetRequestsMs: 120,
      limitTokens: 30000,
      remainingTokens: 29000,
      resetTokensMs: 2000,
    });
    assert.deepEqual(openAIRateLimits({ "x-ratelimit-remaining-tokens": "5" }), { remainingTokens: 5 });
    assert.equal(openAIRateLimits({ "content-type": "application/json" }), undefined);
  });
});
