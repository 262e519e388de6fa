import type { ProviderConfig } from "@switchyard/config";
import type { Cancellable } from "@switchyard/grpc";
import type { Logger } from "@switchyard/telemetry";
import type { RequestBody } from "./request-body.js";

/**
 * The internal wire format is OpenAI's: requests and responses are the Chat Completions (and
 * Embeddings) JSON objects. These types name the fields the connector reads; every other field
 * passes through untouched, so vendor extensions survive the trip.
 */
export type JsonObject = { [key: string]: unknown };

export interface UsageJson {
  prompt_tokens: number;
  completion_tokens?: number;
  total_tokens?: number;
  [key: string]: unknown;
}

export interface ChatMessageJson {
  role: string;
  content?: string | ContentPartJson[] | null;
  [key: string]: unknown;
}

export interface ContentPartJson {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface ChatRequestJson {
  /** The public model name as the client sent it; adapters send `deployment.model` upstream. */
  model?: string;
  messages?: ChatMessageJson[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean; [key: string]: unknown } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  [key: string]: unknown;
}

export interface ChatCompletionJson {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: JsonObject[];
  usage?: UsageJson | null;
  [key: string]: unknown;
}

export interface ChatChunkJson {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: JsonObject[];
  /** Present (null until the last chunk) when usage is reported in the stream. */
  usage?: UsageJson | null;
  [key: string]: unknown;
}

export interface EmbeddingsRequestJson {
  model?: string;
  input: unknown;
  [key: string]: unknown;
}

export interface EmbeddingsResponseJson {
  object: "list";
  data: JsonObject[];
  model: string;
  usage?: UsageJson | null;
  [key: string]: unknown;
}

/**
 * A value carried on an adapter's answer or chunk without being part of it: non-enumerable, so a
 * changed copy made with a spread does not carry a stale one, and invisible to JSON.stringify.
 */
function hiddenField<V>(name: string) {
  const key = Symbol(name);
  return {
    attach<T extends object>(target: T, value: V): T {
      Object.defineProperty(target, key, { value });
      return target;
    },
    read(target: object): V | undefined {
      return (target as { [key]?: V })[key];
    },
  };
}

/**
 * An answer an adapter returns exactly as the upstream sent it can carry the upstream's bytes
 * (`withUpstreamBytes`): the handler forwards them instead of serializing the object again, a JSON
 * pass per answer (for embeddings, thousands of floats).
 */
const upstreamBytes = hiddenField<Uint8Array>("switchyard.upstreamBytes");
export const withUpstreamBytes = upstreamBytes.attach;
export const upstreamBytesOf = upstreamBytes.read;

/**
 * A streamed chunk an adapter yields exactly as the upstream sent it can carry the upstream's JSON
 * text (`withUpstreamText`): the handler forwards it instead of serializing the chunk again, a JSON
 * pass per token.
 */
const upstreamText = hiddenField<string>("switchyard.upstreamText");
export const withUpstreamText = upstreamText.attach;
export const upstreamTextOf = upstreamText.read;

/** What an adapter knows of one call besides the request. */
export interface AdapterContext {
  readonly requestId: string;
  /** The deployment being served; `model` is the name the upstream knows. */
  readonly deployment: { readonly id: string; readonly model: string };
  readonly provider: ProviderConfig;
  /** Cancelled when the caller cancels, the attempt's deadline passes, or the handler stops reading. */
  readonly cancellation: Cancellable;
  /** The same as an AbortSignal, for APIs that take one; made on first use (see `Cancellation`). */
  readonly signal: AbortSignal;
  /** This call's logger (made on first use: a pino child with redaction costs more than a mock call). */
  readonly logger: Logger;
  /** Whether debug lines are wanted; check it before touching `logger` for one. */
  readonly debug: boolean;
}

/**
 * One provider's translation to its wire format and back. The request comes as the client's
 * bytes, parsed when the adapter reads `request.json` (a translating adapter does; one that
 * forwards the body with a few members changed need not). Failures are thrown as GatewayError
 * (see `upstream-errors.ts`); anything else thrown is treated as an internal error.
 */
export interface ProviderAdapter {
  chat(request: RequestBody<ChatRequestJson>, ctx: AdapterContext): Promise<ChatCompletionJson>;
  /**
   * Yields OpenAI `chat.completion.chunk` objects. Adapters always report usage as OpenAI does with
   * `stream_options.include_usage`: a last chunk with empty `choices` and a `usage` object. The
   * handler decides what the client sees.
   */
  chatStream(request: RequestBody<ChatRequestJson>, ctx: AdapterContext): AsyncIterable<ChatChunkJson>;
  embeddings?(request: RequestBody<EmbeddingsRequestJson>, ctx: AdapterContext): Promise<EmbeddingsResponseJson>;
  /** Releases connections; called once at shutdown. */
  close?(): Promise<void>;
}

export type AdapterFactory = (provider: ProviderConfig) => ProviderAdapter;
