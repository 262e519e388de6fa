import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errorOfStreamException, parseBedrockError } from "./errors.js";

describe("bedrock errors", () => {
  it("reads the type from x-amzn-errortype and the message from the body", () => {
    const headers = { "x-amzn-errortype": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/" };
    assert.deepEqual(parseBedrockError(400, '{"message":"Malformed input request"}', headers), {
      message: "Malformed input request",
      type: "ValidationException",
    });
    assert.deepEqual(
      parseBedrockError(429, '{"__type":"com.amazon.coral.service#ThrottlingException","Message":"Too many requests"}', {}),
      {
        message: "Too many requests",
        type: "ThrottlingException",
      },
    );
  });

  it("calls a validation error about length a context length error", () => {
    const headers = { "x-amzn-errortype": "ValidationException" };
    assert.equal(parseBedrockError(400, '{"message":"Input is too long for requested model."}', headers).code, "context_length_exceeded");
    assert.equal(
      parseBedrockError(400, '{"message":"prompt is too long: 210000 tokens > 200000 maximum"}', headers).code,
      "context_length_exceeded",
    );
    assert.equal(parseBedrockError(400, '{"message":"Malformed input request"}', headers).code, undefined);
  });

  it("classes stream exceptions by their type, in the gateway's words for throttling and server errors", () => {
    const throttled = errorOfStreamException("bedrock-east", "throttlingException", '{"message":"Too many tokens, sk-fake-LEAK"}');
    assert.equal(throttled.code, "upstream_rate_limited");
    assert.doesNotMatch(throttled.message, /LEAK/);
    assert.match(throttled.message, /bedrock-east/);
    assert.equal(errorOfStreamException("b", "modelStreamErrorException", "{}").code, "upstream_error");
    assert.equal(errorOfStreamException("b", "serviceUnavailableException", "{}").code, "upstream_unavailable");
    const invalid = errorOfStreamException("b", "validationException", '{"message":"Input is too long for requested model."}');
    assert.equal(invalid.code, "context_length_exceeded");
    assert.equal(invalid.message, "Input is too long for requested model.");
  });
});
