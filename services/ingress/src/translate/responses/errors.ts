import { GatewayError } from "@switchyard/errors";
import type { ValidationIssue } from "../common.js";

/*
 * Error bodies: the Responses API reports request errors exactly like Chat Completions,
 * `{"error":{"message","type","param","code"}}`, so `openAIErrorBody` from @switchyard/errors
 * serves this endpoint unchanged. Failures after a stream began are a `response.failed` event
 * (`ResponsesStreamTranslator.fail`), whose `error.code` comes from a fixed list; `responsesFailure`
 * picks it.
 */

/** A failed `validateResponsesRequest` as the gateway error the error handler renders (HTTP 400). */
export function responsesValidationError(issue: ValidationIssue): GatewayError {
  return new GatewayError("invalid_request", issue.message, { param: issue.param });
}

/**
 * The `{code, message}` of a `response.failed` event for a gateway error: rate limits are
 * `rate_limit_exceeded`, a request the upstream rejected is `invalid_prompt`, anything else
 * `server_error` (the codes the Responses API documents for `response.error`).
 */
export function responsesFailure(error: GatewayError): { code: string; message: string } {
  switch (error.code) {
    case "rate_limit_exceeded":
    case "upstream_rate_limited":
    case "budget_exceeded":
      return { code: "rate_limit_exceeded", message: error.message };
    case "upstream_rejected":
      return { code: "invalid_prompt", message: error.message };
    default:
      return { code: "server_error", message: error.message };
  }
}
