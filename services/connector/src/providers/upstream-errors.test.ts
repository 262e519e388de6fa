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

  it("keeps the provider's message, param, status and retry-after", () => {
    const failure = errorFromStatus({ provider: "openai", status: 429, message: "slow down", retryAfter: "12" }).toFailure();
    assert.equal(failure.code, "upstream_rate_limited");
    assert.equal(failure.class, ErrorClass.RETRYABLE);
    assert.equal(failure.message, "slow down");
    assert.equal(failure.upstreamStatus, 429);
    assert.equal(failure.retryAfterS, 12);

    const rejected = errorFromStatus({ provider: "openai", status: 400, message: "bad temperature", param: "temperature" }).toFailure();
    assert.equal(rejected.class, ErrorClass.FINAL);
    assert.equal(rejected.param, "temperature");
    assert.equal(errorFromStatus({ provider: "openai", status: 500, message: "" }).message, "openai answered with status 500");
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
