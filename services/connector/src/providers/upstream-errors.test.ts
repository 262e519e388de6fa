import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorClass } from "@switchyard/proto";
import { codeForStatus, errorFromStatus, errorFromTransport, parseRetryAfter } from "./upstream-errors.js";

describe("upstream error mapping", () => {
  it("maps HTTP statuses to error codes", () => {
    const table: [number, string][] = [
      [400, "upstream_rejected"],
      [404, "upstream_rejected"],
      [413, "upstream_rejected"],
      [422, "upstream_rejected"],
      [401, "upstream_auth_failed"],
      [403, "upstream_auth_failed"],
      [408, "upstream_error"],
      [429, "upstream_rate_limited"],
      [500, "upstream_error"],
      [502, "upstream_error"],
      [503, "upstream_unavailable"],
      [504, "upstream_error"],
      [529, "upstream_unavailable"],
      [302, "upstream_error"],
    ];
    for (const [status, code] of table) assert.equal(codeForStatus(status), code, `status ${status}`);
  });

  it("says auth failures, rate limits and server errors in its own words, with status and retry-after", () => {
    const failure = errorFromStatus({ provider: "openai", status: 429, message: "slow down, sk-live-abc", retryAfter: "12" }).toFailure();
    assert.equal(failure.code, "upstream_rate_limited");
    assert.equal(failure.class, ErrorClass.RETRYABLE);
    assert.equal(failure.message, "openai is rate limiting the gateway (status 429)");
    assert.equal(failure.upstreamStatus, 429);
    assert.equal(failure.retryAfterS, 12);
    const words: [number, string][] = [
      [401, "openai rejected the gateway's credentials (status 401)"],
      [403, "openai rejected the gateway's credentials (status 403)"],
      [500, "openai failed with a server error (status 500)"],
      [503, "openai is overloaded or unavailable (status 503)"],
      [529, "openai is overloaded or unavailable (status 529)"],
    ];
    for (const [status, message] of words)
      assert.equal(errorFromStatus({ provider: "openai", status, message: "Incorrect API key sk-abc123" }).message, message);
  });

  it("keeps the provider's message and param for other 4xx, credentials redacted", () => {
    const rejected = errorFromStatus({ provider: "openai", status: 400, message: "bad temperature", param: "temperature" }).toFailure();
    assert.equal(rejected.class, ErrorClass.FINAL);
    assert.equal(rejected.message, "bad temperature");
    assert.equal(rejected.param, "temperature");
    assert.equal(errorFromStatus({ provider: "openai", status: 404, message: "" }).message, "openai rejected the request (status 404)");
    const leaky =
      "key sk-proj-Abc_123 header Bearer abc.def id AKIAIOSFODNN7EXAMPLE token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig gemini AIzaSyA1234567890abcdefghijklmnop";
    assert.equal(
      errorFromStatus({ provider: "p", status: 400, message: leaky }).message,
      "key sk-[redacted] header Bearer [redacted] id [redacted] token [redacted] gemini [redacted]",
    );
  });

  it("tells context-length and content-policy refusals apart", () => {
    const context = errorFromStatus({
      provider: "openai",
      status: 400,
      message: "This model's maximum context length is 8192 tokens.",
      code: "context_length_exceeded",
    });
    assert.equal(context.code, "context_length_exceeded");
    assert.equal(context.spec.status, 400);
    assert.equal(
      errorFromStatus({ provider: "anthropic", status: 400, message: "prompt is too long: 210000 tokens > 200000 maximum" }).code,
      "context_length_exceeded",
    );
    const filtered = errorFromStatus({ provider: "azure", status: 400, message: "The response was filtered", code: "content_filter" });
    assert.equal(filtered.code, "content_filtered");
    assert.equal(
      errorFromStatus({ provider: "openai", status: 400, message: "Invalid value for 'temperature'" }).code,
      "upstream_rejected",
    );
  });

  it("reads retry-after as seconds, an HTTP date, or retry-after-ms", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("30", undefined, now), 30);
    assert.equal(parseRetryAfter("1.2", undefined, now), 2);
    assert.equal(parseRetryAfter("Wed, 01 Jan 2025 00:01:30 GMT", undefined, now), 90);
    assert.equal(parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", undefined, now), 0);
    assert.equal(parseRetryAfter("5", "1500", now), 2);
    assert.equal(parseRetryAfter("soon", undefined, now), 0);
    assert.equal(parseRetryAfter(undefined, undefined, now), 0);
  });

  it("maps transport failures by their code", () => {
    const code = (c: string) => Object.assign(new Error(c), { code: c });
    assert.equal(errorFromTransport("openai", code("ECONNREFUSED")).code, "upstream_unavailable");
    assert.equal(errorFromTransport("openai", code("ENOTFOUND")).code, "upstream_unavailable");
    assert.equal(errorFromTransport("openai", code("UND_ERR_CONNECT_TIMEOUT")).code, "upstream_unavailable");
    assert.equal(errorFromTransport("openai", code("UND_ERR_HEADERS_TIMEOUT")).code, "upstream_timeout");
    assert.equal(errorFromTransport("openai", code("UND_ERR_BODY_TIMEOUT")).code, "upstream_timeout");
    assert.equal(errorFromTransport("openai", code("UND_ERR_SOCKET")).code, "upstream_error");
    assert.equal(errorFromTransport("openai", code("ECONNRESET")).code, "upstream_error");
    const wrapped = new TypeError("fetch failed", { cause: code("ECONNREFUSED") });
    assert.equal(errorFromTransport("openai", wrapped).code, "upstream_unavailable");
    assert.match(errorFromTransport("openai", code("ECONNREFUSED")).message, /^openai is unreachable/);
  });
});
