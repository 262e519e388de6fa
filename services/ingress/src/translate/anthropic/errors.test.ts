import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anthropicErrorBody, GatewayError, toHttpError } from "@switchyard/errors";
import { encodeSseEvent } from "../common.js";
import { anthropicErrorEvent, anthropicValidationError } from "./errors.js";
import { validateAnthropicRequest } from "./request.js";

describe("anthropic errors", () => {
  it("renders a validation problem as Anthropic's documented 400 body", () => {
    const result = validateAnthropicRequest({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }] });
    assert.ok(!result.ok);
    const error = anthropicValidationError(result.error);
    assert.equal(toHttpError(error).status, 400);
    assert.equal(error.param, "max_tokens");
    assert.deepEqual(anthropicErrorBody(error), {
      type: "error",
      error: { type: "invalid_request_error", message: "max_tokens: Field required" },
    });
  });

  it("frames a mid-stream failure as Anthropic's error event", () => {
    const event = anthropicErrorEvent(new GatewayError("upstream_unavailable", "Overloaded"));
    assert.equal(
      encodeSseEvent(event),
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
  });
});
