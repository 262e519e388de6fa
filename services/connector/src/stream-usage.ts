import { create } from "@bufbuild/protobuf";
import { type TokenUsage, TokenUsageSchema } from "@switchyard/proto";
import { type ChatChunkJson, type ChatRequestJson, type UsageJson, upstreamTextOf } from "./providers/types.js";

/** True when the client's `stream_options` ask for the usage chunk itself (`include_usage`). */
export function wantsUsageChunk(streamOptions: unknown): boolean {
  return (streamOptions as ChatRequestJson["stream_options"])?.include_usage === true;
}

/**
 * The chunk as the client should see it. Adapters always stream usage (as OpenAI does with
 * include_usage); a client that did not ask gets neither the usage-only last chunk nor the
 * `usage: null` field on the others, exactly as OpenAI would have answered it.
 */
export function chunkForClient(chunk: ChatChunkJson, includeUsage: boolean): ChatChunkJson | undefined {
  if (includeUsage || !("usage" in chunk)) return chunk;
  if (chunk.choices.length === 0 && chunk.usage != null) return undefined;
  const { usage: _usage, ...rest } = chunk;
  return rest as ChatChunkJson;
}

/** How OpenAI ends every chunk of a stream that asked for usage, but the usage chunk itself. */
const NULL_USAGE_LAST = ',"usage":null}';

/**
 * `chunkForClient` as the bytes to send on, or undefined for none. A chunk that carries the
 * upstream's text goes on as that text (or that text without its trailing `"usage":null`, the one
 * change a client that did not ask for usage needs), so a token costs no second JSON pass; any
 * other chunk, or text an SSE data line cannot carry (a line break), is serialized.
 */
export function chunkBytesForClient(chunk: ChatChunkJson, includeUsage: boolean): Uint8Array | undefined {
  const forwarded = chunkForClient(chunk, includeUsage);
  if (!forwarded) return undefined;
  const text = upstreamTextOf(chunk);
  if (text !== undefined && !text.includes("\n") && !text.includes("\r")) {
    if (forwarded === chunk) return Buffer.from(text);
    // The text was parsed: a final `"usage":null}` can only be its last top-level member.
    if (chunk.usage === null && text.endsWith(NULL_USAGE_LAST)) return Buffer.from(`${text.slice(0, -NULL_USAGE_LAST.length)}}`);
  }
  return Buffer.from(JSON.stringify(forwarded));
}

/** An OpenAI usage object as the proto TokenUsage; missing or bad counts are 0. */
export function toTokenUsage(usage: UsageJson | null | undefined): TokenUsage {
  const prompt = count(usage?.prompt_tokens);
  const completion = count(usage?.completion_tokens);
  const total = usage?.total_tokens === undefined ? prompt + completion : count(usage.total_tokens);
  return create(TokenUsageSchema, { promptTokens: prompt, completionTokens: completion, totalTokens: total || prompt + completion });
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.min(Math.floor(value), 0xffffffff) : 0;
}
