import { rewriteTopLevel } from "../json-rewrite.js";
import type { ChatRequestJson, EmbeddingsRequestJson, JsonObject } from "../types.js";

/**
 * What changes in the client's request on its way upstream (undefined: removed): the upstream
 * model and the stream flag of the call; every other field (vendor fields too) goes as it came. A
 * streamed call always asks for usage, so the token counts are known; the handler hides that last
 * chunk from clients that did not ask.
 */
export function upstreamChatChanges(request: ChatRequestJson, model: string, stream: boolean): JsonObject {
  if (!stream) {
    // OpenAI rejects stream_options on a request that does not stream.
    return { model, stream, stream_options: undefined };
  }
  const asked = isObject(request.stream_options) ? request.stream_options : {};
  return { model, stream, stream_options: { ...asked, include_usage: true } };
}

/** The body sent upstream, as an object. */
export function toUpstreamChatBody(request: ChatRequestJson, model: string, stream: boolean): JsonObject {
  return withChanges(request, upstreamChatChanges(request, model, stream));
}

export function toUpstreamEmbeddingsBody(request: EmbeddingsRequestJson, model: string): JsonObject {
  return withChanges(request, { model });
}

/**
 * The body sent upstream, as bytes: the client's own bytes (`requestBytes`, which `request` was
 * parsed from) with only the changed members rewritten, or the object serialized when those bytes
 * cannot be read that way.
 */
export function upstreamChatBytes(request: ChatRequestJson, requestBytes: Uint8Array, model: string, stream: boolean): Buffer {
  return bytesWithChanges(request, requestBytes, upstreamChatChanges(request, model, stream));
}

export function upstreamEmbeddingsBytes(request: EmbeddingsRequestJson, requestBytes: Uint8Array, model: string): Buffer {
  return bytesWithChanges(request, requestBytes, { model });
}

function bytesWithChanges(request: JsonObject, requestBytes: Uint8Array, changes: JsonObject): Buffer {
  return rewriteTopLevel(requestBytes, changes) ?? Buffer.from(JSON.stringify(withChanges(request, changes)));
}

function withChanges(request: JsonObject, changes: JsonObject): JsonObject {
  const body: JsonObject = { ...request };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete body[key];
    else body[key] = value;
  }
  return body;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
