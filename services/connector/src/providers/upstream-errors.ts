import { type ErrorCode, GatewayError } from "@switchyard/errors";
import { redactCredentials } from "@switchyard/telemetry";

/** What a provider's error body says, as an adapter reads it (`UpstreamClientOptions.parseError`). */
export interface UpstreamErrorBody {
  message: string;
  param?: string | undefined;
  /** The provider's error type, e.g. OpenAI's `invalid_request_error`, Anthropic's `overloaded_error`. */
  type?: string | undefined;
  /** The provider's error code, e.g. OpenAI's `context_length_exceeded`, Azure's `content_filter`. */
  code?: string | undefined;
  /** The body says the credentials were refused though the status does not (Gemini answers a bad key with 400). */
  authFailure?: boolean | undefined;
  /** The wait the body asks for, as `retry-after` text, for when no header says it (Google's RetryInfo). */
  retryAfter?: string | undefined;
}

/** What an upstream said when it refused a request. */
export interface UpstreamRefusal extends UpstreamErrorBody {
  /** The provider's name from the config: the gateway's own messages name it. */
  provider: string;
  status: number;
  /** Value of the `retry-after` header, when there was one. */
  retryAfter?: string | undefined;
  /** Value of the `retry-after-ms` header (OpenAI sends it beside `retry-after`). */
  retryAfterMs?: string | undefined;
}

/** Provider error codes and types meaning the prompt does not fit the context window. */
const CONTEXT_LENGTH_CODES = new Set(["context_length_exceeded", "string_above_max_length"]);
const CONTEXT_LENGTH_TEXT =
  /context[ _-]?(length|window)|maximum context|prompt is too long|input is too long|too many (input )?tokens|exceeds the maximum number of tokens/i;
/** Provider error codes and types meaning a content policy refused the request. */
const CONTENT_FILTER_CODES = new Set(["content_filter", "content_policy_violation", "content_filtered", "responsible_ai_policy_violation"]);

/**
 * Maps an upstream refusal to the mesh's error, once for every provider. Auth failures, rate
 * limits and server errors are told in the gateway's own words naming the provider (their text
 * may echo a key or say things meant for the key's owner); other 4xx keep the provider's message,
 * credential-like strings redacted, since it says what is wrong with the client's request.
 * The status travels in `upstreamStatus`, the wait in `retryAfterS`.
 */
export function errorFromStatus(refusal: UpstreamRefusal): GatewayError {
  const { status, provider } = refusal;
  const retryAfterS = parseRetryAfter(refusal.retryAfter, refusal.retryAfterMs);
  const options = { upstreamStatus: status, retryAfterS, param: refusal.param };
  const code = refusal.authFailure ? "upstream_auth_failed" : codeForStatus(status);
  switch (code) {
    case "upstream_auth_failed":
      return new GatewayError(code, `${provider} rejected the gateway's credentials (status ${status})`, options);
    case "upstream_rate_limited":
      return new GatewayError(code, `${provider} is rate limiting the gateway (status ${status})`, options);
    case "upstream_unavailable":
      return new GatewayError(code, `${provider} is overloaded or unavailable (status ${status})`, options);
    case "upstream_error":
      return new GatewayError(code, `${provider} failed with a server error (status ${status})`, options);
  }
  const message = redactCredentials(refusal.message) || `${provider} rejected the request (status ${status})`;
  if (isContentFilter(refusal)) return new GatewayError("content_filtered", message, options);
  if (isContextLength(refusal)) return new GatewayError("context_length_exceeded", message, options);
  return new GatewayError(code, message, options);
}

function isContextLength({ code, type, message, status }: UpstreamRefusal): boolean {
  if ((code && CONTEXT_LENGTH_CODES.has(code)) || (type && CONTEXT_LENGTH_CODES.has(type))) return true;
  return (status === 400 || status === 413) && CONTEXT_LENGTH_TEXT.test(message);
}

function isContentFilter({ code, type }: UpstreamRefusal): boolean {
  return Boolean((code && CONTENT_FILTER_CODES.has(code)) || (type && CONTENT_FILTER_CODES.has(type)));
}

export function codeForStatus(status: number): ErrorCode {
  if (status === 429) return "upstream_rate_limited";
  if (status === 401 || status === 403) return "upstream_auth_failed";
  if (status === 503 || status === 529) return "upstream_unavailable";
  if (status === 408 || status >= 500) return "upstream_error";
  if (status >= 400) return "upstream_rejected";
  return "upstream_error";
}

/** Socket-level error codes that mean the request never reached a working upstream. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
]);
const TIMED_OUT = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);

/** Maps a transport error (no HTTP status) to the mesh's error code. */
export function errorFromTransport(provider: string, error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = errorCode(error);
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  if (code && TIMED_OUT.has(code))
    return new GatewayError("upstream_timeout", `${provider} did not answer in time (${detail})`, { cause: error });
  if (code && UNREACHABLE.has(code))
    return new GatewayError("upstream_unavailable", `${provider} is unreachable (${detail})`, { cause: error });
  // Resets and premature closes mid-response: the upstream was reached but the answer was lost.
  return new GatewayError("upstream_error", `${provider} connection failed (${detail})`, { cause: error });
}

function errorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/**
 * Seconds to wait from `retry-after` (delta-seconds or an HTTP date) or `retry-after-ms`;
 * 0 when absent or unreadable. Fractions round up so a client never retries early.
 */
export function parseRetryAfter(retryAfter: string | undefined, retryAfterMs?: string, now = Date.now()): number {
  const ms = retryAfterMs === undefined ? Number.NaN : Number(retryAfterMs.trim());
  if (Number.isFinite(ms) && ms > 0) return Math.ceil(ms / 1000);
  if (retryAfter === undefined) return 0;
  const text = retryAfter.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text));
  const date = Date.parse(text);
  if (Number.isNaN(date)) return 0;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
