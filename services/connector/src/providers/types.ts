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

/** Rate-limit state read from a provider's response headers (the router uses it). */
export interface RateLimitInfo {
  limitRequests?: number;
  remainingRequests?: number;
  /** Milliseconds from now until the request window resets. */
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  /** Milliseconds from now until the token window resets. */
  resetTokensMs?: number;
}

/** What an adapter knows of one call besides the request. */
export interface ProviderCall {
  readonly requestId: string;
  /** The deployment being served; `model` is the name the upstream knows (send it, not `request.model`). */
  readonly deployment: { readonly id: string; readonly model: string };
  /** Aborted on cancel / deadline / the handler stopping early: stop upstream work. */
  readonly signal: AbortSignal;
  /** A pino child with request_id; never log secrets. */
  readonly logger: Logger;
  /** Rate-limit state read from the provider's response headers. */
  reportLimits(limits: RateLimitInfo): void;
}

/**
 * One provider's translation to its wire format and back: the OpenAI-shaped request (validated by
 * the ingress) in, plain objects out. Failures are thrown as GatewayError (see
 * `upstream-errors.ts`, `http/upstream-client.ts`); anything else is treated as an internal error.
 */
export interface ProviderAdapter {
  chat(request: ChatRequestJson, call: ProviderCall): Promise<ChatCompletionJson>;
  /**
   * OpenAI `chat.completion.chunk` objects; ALWAYS ends with a usage chunk (`choices: []`,
   * `usage: {...}`) as OpenAI does with `stream_options.include_usage`. The handler decides what
   * the client sees.
   */
  chatStream(request: ChatRequestJson, call: ProviderCall): AsyncIterable<ChatChunkJson>;
  embeddings?(request: EmbeddingsRequestJson, call: ProviderCall): Promise<EmbeddingsResponseJson>;
  /** Releases connections; called once at shutdown. */
  close?(): Promise<void>;
  /**
   * Opt-in fast path for an adapter whose upstream speaks the internal format (OpenAI): the
   * handler hands it the client's body unparsed, and the adapter may return the upstream's own
   * bytes (`withUpstreamBytes` / `withUpstreamText`). No other adapter needs it.
   */
  readonly passthrough?: PassthroughMethods;
}

/**
 * The handler's calls also carry its cancellation: `UpstreamClient` follows it instead of making
 * an AbortSignal per call (see `Cancellation`).
 */
export interface PassthroughCall extends ProviderCall {
  readonly cancellation: Cancellable;
}

/** `ProviderAdapter`'s methods taking the client's body as bytes (see `RequestBody`). */
export interface PassthroughMethods {
  chat(request: RequestBody<ChatRequestJson>, call: ProviderCall): Promise<ChatCompletionJson>;
  chatStream(request: RequestBody<ChatRequestJson>, call: ProviderCall): AsyncIterable<ChatChunkJson>;
  embeddings?(request: RequestBody<EmbeddingsRequestJson>, call: ProviderCall): Promise<EmbeddingsResponseJson>;
}

/** One provider kind: its adapter factory. `config` is the resolved provider config (its kind's fields). */
export type AdapterFactory = (config: ProviderConfig) => ProviderAdapter;

/** A provider kind's pure translations, timed by `npm run bench:translation`. */
export interface TranslationSample {
  kind: string;
  /** internal → provider request body, for a given ~1 KB chat body (pure, no I/O) */
  request: (body: ChatRequestJson, model: string) => unknown;
  /** a recorded ~1 KB provider answer → ChatCompletionJson (pure) */
  response: () => ChatCompletionJson;
  /** a recorded provider stream's events (already framed/parsed as the adapter sees them) → chunks; returns the number of provider events translated */
  stream: () => number;
}
export type { ConformanceFeature, ConformanceTarget } from "./conformance-target.js";
