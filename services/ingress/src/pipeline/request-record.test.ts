import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { GatewayError } from "@switchyard/errors";
import { AttemptSchema, TokenUsageSchema, UpstreamLimitsSchema } from "@switchyard/proto";
import { RequestRecord } from "./request-record.js";

describe("request record", () => {
  it("keeps the upstream's rate limits on the attempt that answered", () => {
    const record = new RequestRecord("r-1", "r-1", "/v1/chat/completions", "smart", false);
    record.attempts.push(
      create(AttemptSchema, { deploymentId: "a", status: 429 }),
      create(AttemptSchema, { deploymentId: "b", status: 200 }),
    );
    const usage = create(TokenUsageSchema, { promptTokens: 3, completionTokens: 2, totalTokens: 5 });
    record.noteUsage(usage, create(UpstreamLimitsSchema, { remainingRequests: 41, resetRequestsMs: 1_000 }));
    assert.equal(record.usage, usage);
    assert.equal(record.attempts[0]!.limits, undefined);
    assert.equal(record.attempts[1]!.limits?.remainingRequests, 41);
    assert.equal(record.attempts[1]!.limits?.resetRequestsMs, 1_000);
    assert.equal(record.attempts[1]!.limits?.remainingTokens, undefined);
  });

  it("redacts credentials in the failure the usage event carries", () => {
    const record = new RequestRecord("r-2", "r-2", "/v1/chat/completions", "smart", false);
    record.error = new GatewayError("upstream_rejected", "bad request; you sent Authorization: Bearer opaque-token-123");
    const failure = record.toEvent(400).failure!;
    assert.equal(failure.message, "bad request; you sent Authorization: Bearer [redacted]");
    assert.equal(failure.code, "upstream_rejected");
  });
});
