import { applyChanges, type RequestBody } from "../request-body.js";
import type { ChatRequestJson, EmbeddingsRequestJson, JsonObject } from "../types.js";

/**
 * What changes in the client's request on its way upstream (undefined: removed): the upstream
 * model and the stream flag of the call; every other field (vendor fields too) goes as it came. A
 * streamed call always asks for usage, so the token counts are known; the handler hides that last
 * chunk from clients that did not ask. `streamOptions` is the client's `stream_options`.
 */
export function upstreamChatChanges(streamOptions: unknown, model: string, stream: boolean): JsonObject {
  if (!stream) {
    // OpenAI rejects stream_options on a request that does not stream.
    return { model, stream, stream_options: undefined };
  }
  const asked = isObject(streamOptions) ? streamOptions : {};
  return { model, stream, stream_options: { ...asked, include_usage: true } };
}

/** The body sent upstream, as an object. */
export function toUpstreamChatBody(request: ChatRequestJson, model: string, stream: boolean): JsonObject {
  return applyChanges(request, upstreamChatChanges(request.stream_options, model, stream));
}

export function toUpstreamEmbeddingsBody(request: EmbeddingsRequestJson, model: string): JsonObject {
  return applyChanges(request, { model });
}

/**
 * The body sent upstream, as bytes: the client's own with only the changed members rewritten
 * (`RequestBody.withChanges`). Only a stream reads one member, `stream_options`; nothing parses
 * the rest.
 */
export function upstreamChatBytes(
  request: RequestBody<ChatRequestJson>,
  model: string,
  stream: boolean,
  extra?: Readonly<JsonObject>,
): Buffer {
  const changes = upstreamChatChanges(stream ? request.member("stream_options") : undefined, model, stream);
  // A preset's changes win: one that drops stream_options means it.
  return request.withChanges(extra ? { ...changes, ...extra } : changes);
}

export function upstreamEmbeddingsBytes(request: RequestBody<EmbeddingsRequestJson>, model: string): Buffer {
  return request.withChanges({ model });
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
