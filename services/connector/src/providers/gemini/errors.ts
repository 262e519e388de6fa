import { durationMs } from "../../http/rate-limits.js";
import type { UpstreamErrorBody } from "../upstream-errors.js";
import { isObject } from "./request.js";

/** What a Google API error body (`{error:{code,message,status,details}}`) says. */
export interface GoogleError {
  message: string;
  /** The canonical status name: INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNAVAILABLE… */
  status?: string;
  /** `ErrorInfo.reason`, e.g. API_KEY_INVALID. */
  reason?: string;
  /** `RetryInfo.retryDelay`, e.g. "7s". */
  retryDelay?: string;
}

export function parseGoogleError(text: string): GoogleError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const trimmed = text.trim().replace(/\s+/g, " ");
    return { message: trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed };
  }
  // Some Google front ends answer with a one-element array of the error object.
  const body = Array.isArray(value) ? value[0] : value;
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  if (!error) return { message: "" };
  const result: GoogleError = { message: typeof error.message === "string" ? error.message : "" };
  if (typeof error.status === "string") result.status = error.status;
  for (const detail of Array.isArray(error.details) ? error.details : []) {
    if (!isObject(detail)) continue;
    if (typeof detail.reason === "string") result.reason ??= detail.reason;
    if (typeof detail.retryDelay === "string") result.retryDelay ??= detail.retryDelay;
  }
  return result;
}

/** Gemini answers an invalid API key with 400 INVALID_ARGUMENT, not 401: it is still an auth failure. */
export function isAuthFailure(status: number, error: GoogleError): boolean {
  return (
    status === 401 ||
    status === 403 ||
    error.reason === "API_KEY_INVALID" ||
    error.status === "UNAUTHENTICATED" ||
    error.status === "PERMISSION_DENIED"
  );
}

/** A prompt longer than the model's window: 400 INVALID_ARGUMENT whose message speaks of the token count. */
export function isContextTooLong(status: number, error: GoogleError): boolean {
  return status === 400 && /input token count|maximum number of tokens|too many tokens|exceeds the context/i.test(error.message);
}

/** A Google error body as the shared client reads it (`UpstreamClientOptions.parseError`). */
export function geminiErrorBody(status: number, text: string): UpstreamErrorBody {
  const error = parseGoogleError(text);
  const body: UpstreamErrorBody = { message: error.message, type: error.status, code: error.reason };
  if (isAuthFailure(status, error)) body.authFailure = true;
  if (isContextTooLong(status, error)) body.code = "context_length_exceeded";
  const delayMs = durationMs(error.retryDelay);
  if (delayMs !== undefined) body.retryAfter = String(Math.ceil(delayMs / 1000));
  return body;
}
