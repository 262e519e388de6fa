import { type AnthropicErrorBody, anthropicErrorBody, GatewayError } from "@switchyard/errors";
import type { ValidationIssue } from "../common.js";
import type { AnthropicStreamEvent } from "./types.js";

/*
 * Error bodies: `anthropicErrorBody` from @switchyard/errors already produces Anthropic's
 * documented shape, `{"type":"error","error":{"type":…,"message":…}}`, with the error types
 * Anthropic lists (invalid_request_error, authentication_error, permission_error,
 * not_found_error, request_too_large, rate_limit_error, api_error, overloaded_error). Nothing
 * more is needed for non-streaming errors. Two differences from api.anthropic.com, neither of
 * which breaks the official SDKs: Anthropic answers `overloaded_error` with HTTP 529 (the catalog
 * uses 503), and its current error bodies also carry a top-level `request_id`.
 *
 * What this module adds is the two conversions the route needs around it.
 */

/** A failed `validateAnthropicRequest` as the gateway error the error handler renders (HTTP 400). */
export function anthropicValidationError(issue: ValidationIssue): GatewayError {
  return new GatewayError("invalid_request", issue.message, { param: issue.param });
}

/**
 * A failure after the 200 and the first events were sent: Anthropic's mid-stream `error` event
 * (`event: error`, data shaped like the error body). Send it, then close the stream.
 */
export function anthropicErrorEvent(error: GatewayError): AnthropicStreamEvent {
  const body: AnthropicErrorBody = anthropicErrorBody(error);
  return { event: "error", data: body };
}
