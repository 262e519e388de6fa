import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError, openAIErrorBody } from "@switchyard/errors";
import { responsesFailure, responsesValidationError } from "./errors.js";
import { validateResponsesRequest } from "./request.js";

describe("responses errors", () => {
  it("renders a validation problem as the OpenAI error body, naming the param", () => {
    const result = validateResponsesRequest({ model: "gpt-5.4", input: [{ role: "user", content: [{ type: "input_text" }] }] });
    assert.ok(!result.ok);
    assert.deepEqual(openAIErrorBody(responsesValidationError(result.error)), {
      error: {
        message: "Missing required parameter: 'input[0].content[0].text'.",
        type: "invalid_request_error",
        param: "input[0].content[0].text",
        code: "invalid_request",
      },
    });
  });

  it("picks a documented response.error code for a gateway failure", () => {
    assert.deepEqual(responsesFailure(new GatewayError("upstream_rate_limited", "Slow down")), {
      code: "rate_limit_exceeded",
      message: "Slow down",
    });
    assert.equal(responsesFailure(new GatewayError("upstream_rejected", "Bad prompt")).code, "invalid_prompt");
    assert.equal(responsesFailure(new GatewayError("upstream_timeout", "Timed out")).code, "server_error");
  });
});
