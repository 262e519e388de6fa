import type { ChatRequestJson, EmbeddingsRequestJson, JsonObject } from "../types.js";

/**
 * The body sent upstream: every field of the client's request (vendor fields too), with the
 * upstream model and the stream flag of the call. A streamed call always asks for usage, so the
 * token counts are known; the handler hides that last chunk from clients that did not ask.
 */
export function toUpstreamChatBody(request: ChatRequestJson, model: string, stream: boolean): JsonObject {
  const body: JsonObject = { ...request, model, stream };
  if (stream) {
    const asked = isObject(request.stream_options) ? request.stream_options : {};
    body.stream_options = { ...asked, include_usage: true };
  } else {
    // OpenAI rejects stream_options on a request that does not stream.
    delete body.stream_options;
  }
  return body;
}

export function toUpstreamEmbeddingsBody(request: EmbeddingsRequestJson, model: string): JsonObject {
  return { ...request, model };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
