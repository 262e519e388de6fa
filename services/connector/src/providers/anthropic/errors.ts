import { GatewayError } from "@switchyard/errors";
import type { JsonObject } from "../types.js";

/** What an Anthropic error body (`{"type":"error","error":{"type","message"}}`) says. */
export interface AnthropicErrorInfo {
  message: string;
  /** Anthropic's error type: invalid_request_error, overloaded_error… */
  type?: string;
  /** Set when the message shows a cause the type does not: context_length_exceeded, content_filtered. */
  code?: string;
}

// Anthropic reports a too-long prompt as a plain invalid_request_error; only the message tells.
const CONTEXT_LENGTH = /prompt is too long|exceeds? (the )?context|context (window|limit)|maximum context length/i;
const CONTENT_POLICY = /content filtering policy|usage policy|content policy/i;

/** Reads an Anthropic error body; text that is not one is kept (trimmed) as the message. */
export function parseAnthropicError(text: string): AnthropicErrorInfo {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  if (!error) {
    const trimmed = text.trim().replace(/\s+/g, " ");
    return { message: trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed };
  }
  const message = typeof error.message === "string" ? error.message : "";
  const type = typeof error.type === "string" ? error.type : undefined;
  const info: AnthropicErrorInfo = { message, ...(type ? { type } : {}) };
  if (type === "invalid_request_error" || type === undefined) {
    if (CONTEXT_LENGTH.test(message)) info.code = "context_length_exceeded";
    else if (CONTENT_POLICY.test(message)) info.code = "content_filtered";
  }
  return info;
}

/**
 * An `event: error` in a stream that had started (Anthropic sends one when it fails mid-answer,
 * typically overloaded_error). The gateway's own words: the stream's text is not the client's.
 */
export function streamError(provider: string, data: unknown): GatewayError {
  const error = isObject(data) && isObject(data.error) ? data.error : {};
  const type = typeof error.type === "string" ? error.type : "api_error";
  switch (type) {
    case "overloaded_error":
      return new GatewayError("upstream_unavailable", `${provider} is overloaded (overloaded_error mid-stream)`, { upstreamStatus: 529 });
    case "rate_limit_error":
      return new GatewayError("upstream_rate_limited", `${provider} rate-limited the request mid-stream`, { upstreamStatus: 429 });
    default:
      return new GatewayError("upstream_error", `${provider} failed mid-stream (${type})`);
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
