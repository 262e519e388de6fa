import type { GatewayError } from "@switchyard/errors";
import type { ChunkView } from "./stream-assembler.js";

/** One server-sent event: an optional `event:` name and its `data:` payload. */
export interface SseFrame {
  event?: string;
  data: Uint8Array | string;
}

export interface UsageJson {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

const decoder = new TextDecoder();

/**
 * One streamed OpenAI chunk as the connector sent it, parsed on first use: an OpenAI client gets
 * the bytes as they are, and when nothing is cached either, the ingress never parses them.
 */
export class StreamChunk {
  constructor(
    readonly bytes: Uint8Array,
    private parsed?: ChunkView,
  ) {}

  get view(): ChunkView {
    return (this.parsed ??= JSON.parse(decoder.decode(this.bytes)) as ChunkView);
  }
}

/** Writes one streamed answer in a client API's event format; one instance per request. */
export interface StreamFormatter {
  start(): SseFrame[];
  chunk(chunk: StreamChunk): SseFrame[];
  finish(usage: UsageJson): SseFrame[];
  fail(error: GatewayError): SseFrame[];
}

/**
 * How a client API (OpenAI chat, Anthropic messages, OpenAI responses, embeddings) presents an
 * answer that the mesh produced in the OpenAI chat shape.
 */
export interface AnswerFormat {
  /** A whole answer: the connector's OpenAI JSON bytes become the client's body. */
  complete(completion: Uint8Array): Uint8Array | string;
  stream(): StreamFormatter;
  errorBody(error: GatewayError): unknown;
}
