import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HealthBook, type ObservedAttempt } from "./health.js";

const attempt = (deploymentId: string, status: number, extra: Partial<ObservedAttempt> = {}): ObservedAttempt => ({
  deploymentId,
  status,
  latencyMs: 10,
  errorCode: "",
  retryAfterS: 0,
  ...extra,
});
const request = (at: number, ...attempts: ObservedAttempt[]) => ({ at, stream: false, latencyMs: 10, ttftMs: 0, attempts });

describe("HealthBook", () => {
  it("opens the breaker after the configured streak, then lets a half-open probe through", () => {
    const book = new HealthBook(() => ({ after_failures: 3, for_s: 30 }));
    book.observe(request(1_000, attempt("a", 500)));
    book.observe(request(1_001, attempt("a", 503)));
    assert.equal(book.skipOf("a", 1_002), undefined);
    book.observe(request(1_002, attempt("a", 0, { errorCode: "upstream_timeout" })));
    assert.deepEqual(book.skipOf("a", 1_003), { reason: "cooldown", until: 31_002 });
    assert.equal(book.skipOf("a", 31_002), undefined, "half-open once the time is up");
    book.observe(request(31_010, attempt("a", 500)));
    assert.deepEqual(book.skipOf("a", 31_011), { reason: "cooldown", until: 61_010 }, "a failed probe opens it again");
    book.observe(request(61_020, attempt("a", 200)));
    book.observe(request(61_021, attempt("a", 500)));
    assert.equal(book.skipOf("a", 61_022), undefined, "a success resets the streak");
  });

  it("does not count client errors or cancellations, and never opens with cooldown off", () => {
    const book = new HealthBook((id) => (id === "off" ? false : { after_failures: 1, for_s: 5 }));
    book.observe(request(0, attempt("a", 400), attempt("a", 0, { errorCode: "request_cancelled" })));
    assert.equal(book.skipOf("a", 1), undefined);
    book.observe(request(0, attempt("off", 500)));
    assert.equal(book.skipOf("off", 1), undefined);
  });

  it("pauses a deployment for its retry-after, breaker or not", () => {
    const book = new HealthBook(() => false);
    book.observe(request(5_000, attempt("a", 429, { retryAfterS: 2 })));
    assert.deepEqual(book.skipOf("a", 6_000), { reason: "retry_after", until: 7_000 });
    assert.equal(book.skipOf("a", 7_000), undefined);
  });

  it("keeps latency EWMAs: whole answers for plain requests, first tokens for streams", () => {
    const book = new HealthBook(() => false, 0.5);
    book.observe(request(0, attempt("a", 200, { latencyMs: 100 })));
    book.observe(request(0, attempt("a", 200, { latencyMs: 300 })));
    assert.equal(book.get("a")?.latencyMs, 200);
    book.observe({
      at: 0,
      stream: true,
      latencyMs: 500,
      ttftMs: 40,
      attempts: [attempt("b", 503, { latencyMs: 20 }), attempt("a", 200, { latencyMs: 40 })],
    });
    assert.equal(book.get("a")?.ttftMs, 40);
    assert.equal(book.get("a")?.latencyMs, 200 + 0.5 * (480 - 200));
  });

  it("gives the p95 of recent first-event times once there are enough of them", () => {
    const book = new HealthBook(() => false);
    for (let i = 1; i <= 19; i++) book.observe(request(0, attempt("a", 200, { latencyMs: i * 10 })));
    assert.equal(book.firstEventP95("a"), undefined);
    book.observe(request(0, attempt("a", 200, { latencyMs: 200 })));
    assert.equal(book.firstEventP95("a"), 190);
  });

  it("leaves a deployment whose rate-limit window is all but spent alone until the window resets", () => {
    const book = new HealthBook(() => false);
    const limits = (remainingRequests: number) => ({ limitRequests: 100, remainingRequests, resetRequestsMs: 30_000 });
    book.observe(request(1_000, attempt("a", 200, { latencyMs: 0, limits: limits(50) })));
    assert.equal(book.skipOf("a", 1_001), undefined, "half the window left");
    book.observe(request(2_000, attempt("a", 200, { latencyMs: 0, limits: limits(2) })));
    assert.deepEqual(book.skipOf("a", 2_001), { reason: "quota", until: 32_000 });
    assert.equal(book.skipOf("a", 32_000), undefined, "the window has reset");
    book.observe(request(1_500, attempt("a", 200, { latencyMs: 0, limits: limits(90) })));
    assert.deepEqual(book.skipOf("a", 2_001), { reason: "quota", until: 32_000 }, "an older report does not overwrite a newer one");
    book.observe(request(3_000, attempt("b", 200, { latencyMs: 0, limits: { limitTokens: 10_000, remainingTokens: 150 } })));
    assert.deepEqual(book.skipOf("b", 3_001), { reason: "quota", until: 63_000 }, "no reset given: a minute");
  });
});
