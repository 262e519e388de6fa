import type { IncomingHttpHeaders } from "node:http";
import { GatewayError } from "@switchyard/errors";
import { CALL_CANCELLED, type Cancellable, Cancellation } from "@switchyard/grpc";
import { type Dispatcher, Pool } from "undici";
import type { PassthroughCall, ProviderCall, RateLimitInfo } from "../providers/types.js";
import { errorFromStatus, errorFromTransport, type UpstreamErrorBody } from "../providers/upstream-errors.js";
import { type Headers, headerText } from "./rate-limits.js";

export type { Headers } from "./rate-limits.js";

/** Error bodies are read up to this size; the rest is dropped. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Unread body bytes above which a streamed answer is paused until its reader catches up. */
const STREAM_HIGH_WATER_BYTES = 256 * 1024;

export interface UpstreamClientOptions {
  /** The provider's NAME from the config, for error messages. */
  provider: string;
  /** Origin and base path, e.g. https://api.anthropic.com; a query here is kept on every request. */
  baseUrl: string;
  /** Static headers (auth included when static). */
  headers?: Record<string, string>;
  /** Auth as a hook: returns headers to add for this request (SigV4 signs here). */
  sign?: (request: {
    method: string;
    url: URL;
    headers: Record<string, string>;
    body: string;
  }) => Promise<Record<string, string>> | Record<string, string>;
  /** Reads the provider's error body into message/param/type/code; default: OpenAI's `{error:{message}}`. */
  parseError?: (status: number, text: string, headers: Headers) => UpstreamErrorBody;
  /** Reads the provider's rate-limit headers; what it returns goes to `call.reportLimits` on every answer, errors included. */
  rateLimits?: (headers: Headers) => RateLimitInfo | undefined;
}

/** A whole answer, read at once: the body of a 2xx, at most MAX_ERROR_BODY_BYTES of anything else. */
export interface UpstreamText {
  status: number;
  headers: Headers;
  text: string;
  /** `text` as it arrived. */
  bytes: Buffer;
}

/** The body of a streamed answer, chunk by chunk. */
export interface StreamedBody extends AsyncIterable<Buffer> {
  /** Drops whatever else arrives and lets the answer end by itself, so its connection is kept. */
  release(): void;
  /** Ends the answer now, and its connection. */
  destroy(): void;
}

/** A 2xx answer whose body is read as it arrives. */
export interface UpstreamStream {
  status: number;
  headers: Headers;
  body: StreamedBody;
}

/**
 * One provider's HTTP API at one base URL, over one keep-alive connection pool. Requests go
 * through undici's `dispatch` (no body stream or AbortSignal per answer); non-2xx answers become
 * GatewayErrors (`errorFromStatus`), transport failures `errorFromTransport`, and a cancelled
 * call's request is aborted and rejects with the cancellation.
 */
export class UpstreamClient {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly query: URLSearchParams;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: UpstreamClientOptions) {
    const base = new URL(options.baseUrl);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, "");
    this.query = base.searchParams;
    this.pool = new Pool(base.origin, {
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 10 * 60_000,
      connect: { timeout: 10_000 },
    });
    this.headers = { "content-type": "application/json", "user-agent": "switchyard-connector", ...options.headers };
  }

  /** The URL a path resolves to, for logs (never with headers: they may hold a key). */
  urlOf(path: string, query?: Record<string, string>): string {
    return `${this.origin}${this.pathOf(path, query)}`;
  }

  /** POSTs JSON and reads the whole 2xx JSON answer. */
  async postJson<T = unknown>(
    path: string,
    body: unknown,
    call: ProviderCall,
    query?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; json: T }> {
    const answer = await this.postForText(path, body, call, query);
    let json: T;
    try {
      json = JSON.parse(answer.text) as T;
    } catch {
      throw new GatewayError("upstream_error", `${this.options.provider} sent a malformed answer: it is not JSON`);
    }
    return { status: answer.status, headers: answer.headers, json };
  }

  /** Like `postJson` without the parse: the 2xx answer's text and bytes. A Uint8Array body is sent as is. */
  async postForText(path: string, body: unknown, call: ProviderCall, query?: Record<string, string>): Promise<UpstreamText> {
    const cancellation = cancellationOf(call);
    const request = await this.requestOf(path, body, "application/json", query);
    let answer: UpstreamText;
    try {
      answer = await new Promise<UpstreamText>((resolve, reject) => {
        if (cancellation.cancelled) return reject(CALL_CANCELLED);
        this.pool.dispatch(request, new TextCollector(cancellation, resolve, reject));
      });
    } catch (error) {
      throw this.failure(error, cancellation);
    }
    this.reportLimits(answer.headers, call);
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw this.refusal(answer);
  }

  /** POSTs JSON and returns a 2xx answer whose body is read as it arrives (destroyed on abort or early return). */
  async postStream(path: string, body: unknown, call: ProviderCall, query?: Record<string, string>): Promise<UpstreamStream> {
    const cancellation = cancellationOf(call);
    const request = await this.requestOf(path, body, "text/event-stream", query);
    let answer: UpstreamStream | UpstreamText;
    try {
      answer = await new Promise<UpstreamStream | UpstreamText>((resolve, reject) => {
        if (cancellation.cancelled) return reject(CALL_CANCELLED);
        this.pool.dispatch(request, new StreamReader(cancellation, resolve, reject));
      });
    } catch (error) {
      throw this.failure(error, cancellation);
    }
    this.reportLimits(answer.headers, call);
    if ("body" in answer) return { ...answer, body: new GuardedBody(answer.body as StreamReader, cancellation, this.options.provider) };
    throw this.refusal(answer);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private pathOf(path: string, query?: Record<string, string>): string {
    const params = new URLSearchParams(this.query);
    for (const [key, value] of Object.entries(query ?? {})) params.set(key, value);
    const search = params.toString();
    return `${this.basePath}${path}${search ? `?${search}` : ""}`;
  }

  private async requestOf(
    path: string,
    body: unknown,
    accept: string,
    query?: Record<string, string>,
  ): Promise<Dispatcher.DispatchOptions> {
    const bytes = body instanceof Uint8Array ? body : Buffer.from(JSON.stringify(body));
    const fullPath = this.pathOf(path, query);
    let headers: Record<string, string> = { ...this.headers, accept };
    if (this.options.sign) {
      const url = new URL(fullPath, this.origin);
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
      headers = { ...headers, ...(await this.options.sign({ method: "POST", url, headers, body: text })) };
    }
    return { method: "POST", path: fullPath, headers, body: bytes };
  }

  private reportLimits(headers: Headers, call: ProviderCall): void {
    const limits = this.options.rateLimits?.(headers);
    if (limits) call.reportLimits(limits);
  }

  private failure(error: unknown, cancellation: Cancellable): unknown {
    return cancellation.cancelled ? CALL_CANCELLED : errorFromTransport(this.options.provider, error);
  }

  private refusal(answer: UpstreamText): GatewayError {
    const parsed = (this.options.parseError ?? parseOpenAIError)(answer.status, answer.text, answer.headers);
    return errorFromStatus({
      provider: this.options.provider,
      status: answer.status,
      ...parsed,
      retryAfter: headerText(answer.headers, "retry-after") ?? parsed.retryAfter,
      retryAfterMs: headerText(answer.headers, "retry-after-ms"),
    });
  }
}

/** The handler's cancellation when the call has one (no AbortSignal made), else one following the signal. */
function cancellationOf(call: ProviderCall): Cancellable {
  const given = (call as Partial<PassthroughCall>).cancellation;
  return given ?? Cancellation.following(call.signal);
}

/** An OpenAI-style error body (`{"error":{"message","param","type","code"}}`), else the raw text. */
export function parseOpenAIError(_status: number, text: string): UpstreamErrorBody {
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) {
      const error = isObject(value.error) ? value.error : value;
      if (typeof error.message === "string") {
        const found: UpstreamErrorBody = { message: error.message };
        if (typeof error.param === "string") found.param = error.param;
        if (typeof error.type === "string") found.type = error.type;
        if (typeof error.code === "string") found.code = error.code;
        return found;
      }
      if (typeof value.error === "string") return { message: value.error };
    }
  } catch {
    // Not JSON: fall back to the text itself.
  }
  const trimmed = text.trim().replace(/\s+/g, " ");
  return { message: trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A streamed body as adapters see it: a failure mid-body becomes the cancellation or a
 * GatewayError. A reader that stops early (at its last event) releases the answer: the rest is
 * dropped and the connection kept when the answer ends. If it never ends, the call's cancellation
 * (the handler cancels every call that did not succeed) aborts it; `destroy` ends it at once.
 */
class GuardedBody implements StreamedBody, AsyncIterator<Buffer> {
  private done = false;

  constructor(
    private readonly inner: StreamedBody & AsyncIterator<Buffer>,
    private readonly cancellation: Cancellable,
    private readonly provider: string,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this;
  }

  // A plain iterator, not a generator wrapping the reader: no extra promise layer per chunk.
  async next(): Promise<IteratorResult<Buffer>> {
    try {
      const result = await this.inner.next();
      if (result.done) this.finish(true);
      return result;
    } catch (error) {
      this.finish(false);
      throw this.cancellation.cancelled ? CALL_CANCELLED : errorFromTransport(this.provider, error);
    }
  }

  async return(): Promise<IteratorResult<Buffer>> {
    this.finish(true);
    return { value: undefined, done: true };
  }

  release(): void {
    this.finish(true);
  }

  destroy(): void {
    this.finish(false);
  }

  private finish(complete: boolean): void {
    if (this.done) return;
    this.done = true;
    if (complete) this.inner.release();
    else this.inner.destroy();
  }
}

/**
 * What both readers share: the call's cancellation aborts the answer; the status and headers; the
 * chunks received, and the answer they make read whole (an error body cut at MAX_ERROR_BODY_BYTES).
 */
abstract class AnswerHandler implements Dispatcher.DispatchHandler {
  protected controller: Dispatcher.DispatchController | undefined;
  protected status = 0;
  protected headers: IncomingHttpHeaders = {};
  protected stopFollowing: (() => void) | undefined;
  protected readonly chunks: Buffer[] = [];
  protected size = 0;

  constructor(private readonly cancellation: Cancellable) {}

  /** Anything but a 2xx: its body is read only up to MAX_ERROR_BODY_BYTES. */
  protected get isError(): boolean {
    return this.status < 200 || this.status >= 300;
  }

  /** An error body that has reached MAX_ERROR_BODY_BYTES: enough to say what went wrong, the rest is dropped with the connection. */
  protected get errorBodyFull(): boolean {
    return this.isError && this.size >= MAX_ERROR_BODY_BYTES;
  }

  protected textAnswer(): UpstreamText {
    const whole = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const bytes = this.isError ? whole.subarray(0, MAX_ERROR_BODY_BYTES) : whole;
    return { status: this.status, headers: this.headers, text: bytes.toString("utf8"), bytes };
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.controller) return;
    this.controller = controller;
    if (this.cancellation.cancelled) controller.abort(CALL_CANCELLED);
    else this.stopFollowing = this.cancellation.onCancel(() => controller.abort(CALL_CANCELLED));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = headers;
  }
}

/** Collects one answer for `postForText`, and aborts it when the call is cancelled. */
class TextCollector extends AnswerHandler {
  private settled = false;

  constructor(
    cancellation: Cancellable,
    private readonly resolve: (answer: UpstreamText) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    super(cancellation);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    if (this.errorBodyFull) {
      this.finish();
      controller.abort(new Error("error body over the read limit"));
    }
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.stopFollowing?.();
    this.reject(error);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.stopFollowing?.();
    this.resolve(this.textAnswer());
  }
}

/**
 * Reads one streamed answer for `postForStream`: hands a 2xx over at its headers and queues its
 * chunks for the reader (pausing the socket while too much is unread); reads any other status
 * whole. Aborts the answer when the call is cancelled.
 */
class StreamReader extends AnswerHandler implements StreamedBody, AsyncIterator<Buffer> {
  // `chunks` holds what the reader has not taken yet; for an error status, the error body so far.
  private answered = false;
  private ended = false;
  private failure: Error | undefined;
  private released = false;
  private paused = false;
  private wake: (() => void) | undefined;

  constructor(
    cancellation: Cancellable,
    private readonly resolve: (answer: UpstreamStream | UpstreamText) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    super(cancellation);
  }

  override onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    super.onResponseStart(controller, statusCode, headers);
    if (this.isError) return;
    this.answered = true;
    this.resolve({ status: statusCode, headers, body: this });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.released || this.failure) return;
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    if (this.errorBodyFull) {
      this.answerError();
      controller.abort(new Error("error body over the read limit"));
    }
    if (this.isError) return;
    if (this.size > STREAM_HIGH_WATER_BYTES && !this.paused) {
      this.paused = true;
      controller.pause();
    }
    this.wakeReader();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.stopFollowing?.();
    if (this.isError) this.answerError();
    else this.wakeReader();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.stopFollowing?.();
    if (this.ended || this.failure) return;
    this.failure = error;
    if (!this.answered) {
      this.answered = true;
      this.reject(error);
    } else this.wakeReader();
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this;
  }

  async next(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) {
        this.size -= chunk.byteLength;
        if (this.paused && this.size <= STREAM_HIGH_WATER_BYTES / 2) {
          this.paused = false;
          this.controller?.resume();
        }
        return { value: chunk, done: false };
      }
      if (this.failure) throw this.failure;
      if (this.ended) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** A reader that stops early leaves the answer as it is: `release` or `destroy` says what becomes of it. */
  async return(): Promise<IteratorResult<Buffer>> {
    return { value: undefined, done: true };
  }

  release(): void {
    this.released = true;
    this.chunks.length = 0;
    this.size = 0;
    if (this.paused) {
      this.paused = false;
      this.controller?.resume();
    }
  }

  destroy(): void {
    this.stopFollowing?.();
    this.release();
    if (!this.ended && !this.failure) this.controller?.abort(CALL_CANCELLED);
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private answerError(): void {
    if (this.answered) return;
    this.answered = true;
    this.resolve(this.textAnswer());
  }
}
