import { ErrorClass } from "@switchyard/proto";

/** How one kind of failure is reported: defined once here, mapped to HTTP only at the ingress. */
export interface ErrorSpec {
  readonly status: number;
  /** OpenAI's `error.type`. */
  readonly type: string;
  /** Anthropic's `error.type` for the Messages API. */
  readonly anthropicType: string;
  readonly class: ErrorClass;
}

const client = (status: number, type: string, anthropicType: string): ErrorSpec => ({
  status,
  type,
  anthropicType,
  class: ErrorClass.CLIENT,
});
const retryable = (status: number, anthropicType = "api_error"): ErrorSpec => ({
  status,
  type: "api_error",
  anthropicType,
  class: ErrorClass.RETRYABLE,
});
const final = (status: number, type = "api_error", anthropicType = "api_error"): ErrorSpec => ({
  status,
  type,
  anthropicType,
  class: ErrorClass.FINAL,
});

export const errorCatalog = {
  invalid_request: client(400, "invalid_request_error", "invalid_request_error"),
  invalid_json: client(400, "invalid_request_error", "invalid_request_error"),
  invalid_api_key: client(401, "authentication_error", "authentication_error"),
  missing_api_key: client(401, "authentication_error", "authentication_error"),
  model_not_allowed: client(403, "permission_error", "permission_error"),
  forbidden: client(403, "permission_error", "permission_error"),
  guardrail_blocked: client(403, "permission_error", "permission_error"),
  model_not_found: client(404, "invalid_request_error", "not_found_error"),
  not_found: client(404, "invalid_request_error", "not_found_error"),
  method_not_allowed: client(405, "invalid_request_error", "invalid_request_error"),
  conflict: client(409, "invalid_request_error", "invalid_request_error"),
  request_too_large: client(413, "invalid_request_error", "request_too_large"),
  unsupported_media_type: client(415, "invalid_request_error", "invalid_request_error"),
  rate_limit_exceeded: client(429, "rate_limit_error", "rate_limit_error"),
  budget_exceeded: client(429, "insufficient_quota", "rate_limit_error"),
  upstream_rate_limited: retryable(429, "rate_limit_error"),
  upstream_error: retryable(502),
  upstream_unavailable: retryable(503, "overloaded_error"),
  upstream_timeout: retryable(504),
  upstream_rejected: final(400, "invalid_request_error", "invalid_request_error"),
  upstream_auth_failed: final(502),
  /** The prompt (plus the asked completion) does not fit the model's context window. */
  context_length_exceeded: final(400, "invalid_request_error", "invalid_request_error"),
  /** The provider refused the request or its answer under its content policy. */
  content_filtered: final(400, "invalid_request_error", "invalid_request_error"),
  no_deployment_available: retryable(503, "overloaded_error"),
  service_unavailable: retryable(503, "overloaded_error"),
  request_cancelled: final(499, "invalid_request_error", "invalid_request_error"),
  internal_error: final(500),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalog;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCatalog, code);
}

export function specOf(code: string): ErrorSpec {
  return isErrorCode(code) ? errorCatalog[code] : errorCatalog.internal_error;
}
