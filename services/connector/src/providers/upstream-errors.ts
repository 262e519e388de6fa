import { type ErrorCode, GatewayError } from "@switchyard/errors";

/** What an upstream said when it refused a request. */
export interface UpstreamRefusal {
  /** The provider's name from the config, used when it gave no message. */
  provider: string;
  status: number;
  /** The provider's own message (already extracted from its error body). */
  message: string;
  param?: string | undefined;
  /** Value of the `retry-after` header, when there was one. */
  retryAfter?: string | undefined;
  /** Value of the `retry-after-ms` header (OpenAI sends it beside `retry-after`). */
  retryAfterMs?: string | undefined;
}

/**
 * Maps an upstream HTTP status to the mesh's error code, once for every provider:
 * 429 → rate limited, 401/403 → auth failed, 503/529 → unavailable, 408/other 5xx → upstream
 * error, any other 4xx → rejected. The provider's message is kept as is (a client may see it, as
 * it would from the provider); the status travels in `upstreamStatus`.
 */
export function errorFromStatus(refusal: UpstreamRefusal): GatewayError {
  const { status, message, param } = refusal;
  const retryAfterS = parseRetryAfter(refusal.retryAfter, refusal.retryAfterMs);
  const options = { upstreamStatus: status, retryAfterS, param };
  return new GatewayError(codeForStatus(status), message || `${refusal.provider} answered with status ${status}`, options);
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
  if (code && TIMED_OUT.has(code)) return new GatewayError("upstream_timeout", `${provider} did not answer in time (${detail})`, { cause: error });
  if (code && UNREACHABLE.has(code)) return new GatewayError("upstream_unavailable", `${provider} is unreachable (${detail})`, { cause: error });
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
