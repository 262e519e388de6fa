import type { IncomingHttpHeaders } from "node:http";
import type { ProviderConfig } from "@switchyard/config";
import { CALL_CANCELLED, type Cancellable } from "@switchyard/grpc";
import { type Dispatcher, Pool } from "undici";

export const DEFAULT_OPENAI_BASE = "https://api.openai.com/v1";

/** Error bodies are read up to this size; the rest is dropped. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Unread body bytes above which a streamed answer is paused until its reader catches up. */
const STREAM_HIGH_WATER_BYTES = 256 * 1024;

type Headers = Record<string, string | string[] | undefined>;

/** A whole answer, read at once: the body of a 2xx, at most MAX_ERROR_BODY_BYTES of anything else. */
export interface UpstreamText {
  status: number;
  headers: Headers;
  text: string;
  /** `text` as it arrived. */
  bytes: Buffer;
}

/** A 2xx answer whose body is read as it arrives. */
export interface UpstreamStream {
  status: number;
  headers: Headers;
  body: StreamedBody;
}

/** The body of a streamed answer, chunk by chunk; once done with it, `release` or `destroy` it. */
export interface StreamedBody extends AsyncIterable<Buffer> {
  /** Drops whatever else arrives and lets the answer end by itself, so its connection is kept. */
  release(): void;
  /** Ends the answer now, and its connection. */
  destroy(): void;
}

interface PostOptions {
  cancellation: Cancellable;
  accept: string;
}

/** An OpenAI-compatible HTTP API at one base URL, over one keep-alive connection pool. */
export class OpenAIApi {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly basePath: string;
  /** Query of the base URL (e.g. Azure's `?api-version=…`), kept on every request. */
  private readonly query: string;
  private readonly headers: Record<string, string>;

  constructor(provider: ProviderConfig) {
    const base = new URL(provider.api_base ?? DEFAULT_OPENAI_BASE);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, "");
    this.query = base.search;
    this.pool = new Pool(base.origin, {
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 10 * 60_000,
      connect: { timeout: 10_000 },
    });
    this.headers = {
      "content-type": "application/json",
      "user-agent": "switchyard-connector",
      ...provider.headers,
      ...(provider.api_key ? { authorization: `Bearer ${provider.api_key}` } : {}),
    };
  }

  /** The URL a path resolves to, for logs (never with headers: they hold the key). */
  urlOf(path: string): string {
    return `${this.origin}${this.basePath}${path}${this.query}`;
  }

  /**
   * POSTs and returns a 2xx answer as soon as its headers arrive, its body read as it comes;
   * anything else is read whole (up to MAX_ERROR_BODY_BYTES), like `postForText`. Through
   * `dispatch` too: no body stream and no AbortSignal per answer.
   */
  postForStream(path: string, body: Buffer, options: PostOptions): Promise<UpstreamStream | UpstreamText> {
    return new Promise((resolve, reject) => {
      if (options.cancellation.cancelled) return reject(CALL_CANCELLED);
      this.pool.dispatch(this.requestOf(path, body, options), new StreamReader(options.cancellation, resolve, reject));
    });
  }

  /**
   * POSTs and reads the whole answer. Through undici's `dispatch`, which collects the body's chunks
   * as they arrive: `request()` would make a body stream per answer only to read it whole.
   */
  postForText(path: string, body: Buffer, options: PostOptions): Promise<UpstreamText> {
    return new Promise((resolve, reject) => {
      if (options.cancellation.cancelled) return reject(CALL_CANCELLED);
      this.pool.dispatch(this.requestOf(path, body, options), new TextCollector(options.cancellation, resolve, reject));
    });
  }

  private requestOf(path: string, body: Buffer, options: { accept: string }): Dispatcher.DispatchOptions {
    return {
      method: "POST",
      path: `${this.basePath}${path}${this.query}`,
      headers: { ...this.headers, accept: options.accept },
      body,
    };
  }

  close(): Promise<void> {
    return this.pool.close();
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
