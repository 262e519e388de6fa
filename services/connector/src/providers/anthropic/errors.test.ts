import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAnthropicError } from "./errors.js";
import { readFixture } from "./fixtures.js";

describe("anthropic error bodies", () => {
  it("reads the type and message of an error body", () => {
    assert.deepEqual(parseAnthropicError(readFixture("error-overloaded.json")), { message: "Overloaded", type: "overloaded_error" });
  });

  it("recognises a prompt longer than the context window", () => {
    assert.deepEqual(parseAnthropicError(readFixture("error-prompt-too-long.json")), {
      message: "prompt is too long: 208310 tokens > 200000 maximum",
      type: "invalid_request_error",
      code: "context_length_exceeded",
    });
    const both =
      '{"type":"error","error":{"type":"invalid_request_error","message":"input length and `max_tokens` exceed context limit: 197000 + 8192 > 200000"}}';
    assert.equal(parseAnthropicError(both).code, "context_length_exceeded");
    assert.equal(
      parseAnthropicError('{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}').code,
      undefined,
    );
  });

  it("recognises a content-policy refusal", () => {
    const body = '{"type":"error","error":{"type":"invalid_request_error","message":"Output blocked by content filtering policy"}}';
    assert.equal(parseAnthropicError(body).code, "content_filtered");
  });

  it("keeps text that is not an error body as the message", () => {
    assert.deepEqual(parseAnthropicError("<html>  Bad   gateway </html>"), { message: "<html> Bad gateway </html>" });
  });
});
