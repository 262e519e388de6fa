import { GatewayError } from "@switchyard/errors";
import { type Headers, headerText } from "../../http/rate-limits.js";
import { parseOpenAIError } from "../../http/upstream-client.js";
import type { ChatChunkJson, ChatCompletionJson, EmbeddingsResponseJson, JsonObject } from "../types.js";
import { errorFromStatus, type UpstreamErrorBody } from "../upstream-errors.js";

/** Parses a non-streamed `chat.completion`; anything else is an upstream error. */
export function parseChatCompletion(text: string, provider: string): ChatCompletionJson {
  const value = parseJson(text, provider, "response");
  if (!Array.isArray(value.choices)) throw malformed(provider, "response has no choices array");
  return value as ChatCompletionJson;
}

export function parseEmbeddings(text: string, provider: string): EmbeddingsResponseJson {
  const value = parseJson(text, provider, "response");
  if (!Array.isArray(value.data)) throw malformed(provider, "embeddings response has no data array");
  return value as EmbeddingsResponseJson;
}

/** The marker OpenAI sends as the last `data:` line of a stream. */
export const DONE = "[DONE]";

/**
 * One SSE event's data as a chunk, or `done` at `[DONE]`. An `error` object in the stream (OpenAI
 * sends one when a stream fails after it started) becomes a thrown GatewayError.
 */
export function parseStreamEvent(data: string, provider: string, eventName?: string): ChatChunkJson | "done" {
  if (data.trim() === DONE) return "done";
  const value = parseJson(data, provider, "stream event");
  if (isObject(value.error) || eventName === "error") {
    const error = isObject(value.error) ? value.error : value;
    const message = typeof error.message === "string" ? error.message : `${provider} reported an error mid-stream`;
    const status = typeof error.status === "number" ? error.status : typeof error.code === "number" ? error.code : 0;
    if (status >= 400) throw errorFromStatus({ provider, status, message });
    throw new GatewayError("upstream_error", `${provider} reported an error mid-stream`);
  }
  if (!Array.isArray(value.choices)) throw malformed(provider, "stream chunk has no choices array");
  return value as ChatChunkJson;
}

/** The message and param of an OpenAI-style error body (`{"error":{"message","param",…}}`), else the raw text. */
export function describeErrorBody(text: string): UpstreamErrorBody {
  return parseOpenAIError(0, text);
}

/** A non-2xx answer as a GatewayError (see `errorFromStatus`). */
export function errorFromResponse(provider: string, status: number, headers: Headers, bodyText: string): GatewayError {
  return errorFromStatus({
    provider,
    status,
    ...parseOpenAIError(status, bodyText),
    retryAfter: headerText(headers, "retry-after"),
    retryAfterMs: headerText(headers, "retry-after-ms"),
  });
}

function parseJson(text: string, provider: string, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed(provider, `${what} is not JSON`);
  }
  if (!isObject(value)) throw malformed(provider, `${what} is not a JSON object`);
  return value;
}

function malformed(provider: string, problem: string): GatewayError {
  return new GatewayError("upstream_error", `${provider} sent a malformed answer: ${problem}`);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
