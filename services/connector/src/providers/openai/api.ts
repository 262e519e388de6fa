import type { IncomingHttpHeaders } from "node:http";
import type { ProviderConfig } from "@switchyard/config";
import { CALL_CANCELLED, type Cancellable } from "@switchyard/grpc";
import { type Dispatcher, Pool } from "undici";

export const DEFAULT_OPENAI_BASE = "https://api.openai.com/v1";

/** Error bodies are read up to this size; the rest is dropped. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData["body"];
}

/** A whole answer, read at once: the body of a 2xx, at most MAX_ERROR_BODY_BYTES of anything else. */
export interface UpstreamText {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** `text` as it arrived. */
  bytes: Buffer;
}

interface PostOptions {
  signal: AbortSignal;
  accept: string;
}

interface PostForTextOptions {
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

  /** POSTs and returns the answer with its body as a stream (streamed answers). */
  async post(path: string, body: unknown, options: PostOptions): Promise<UpstreamResponse> {
    const response = await this.pool.request({ ...this.requestOf(path, body, options), signal: options.signal });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  }

  /**
   * POSTs and reads the whole answer. Through undici's `dispatch`, which collects the body's chunks
   * as they arrive: `request()` makes a body stream per answer, and reading a small JSON answer
   * through it cost about a fifth more client CPU per call (`/tmp` benchmark, 16 in flight).
   */
  postForText(path: string, body: unknown, options: PostForTextOptions): Promise<UpstreamText> {
    return new Promise((resolve, reject) => {
      if (options.cancellation.cancelled) return reject(CALL_CANCELLED);
      this.pool.dispatch(this.requestOf(path, body, options), new TextCollector(options.cancellation, resolve, reject));
    });
  }

  private requestOf(path: string, body: unknown, options: { accept: string }): Dispatcher.DispatchOptions {
    return {
      method: "POST",
      path: `${this.basePath}${path}${this.query}`,
      headers: { ...this.headers, accept: options.accept },
      body: JSON.stringify(body),
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Collects one answer for `postForText`, and aborts it when the call is cancelled. */
class TextCollector implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  private stopFollowing: (() => void) | undefined;

  constructor(
    private readonly cancellation: Cancellable,
    private readonly resolve: (answer: UpstreamText) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  /** Anything but a 2xx: its body is read only up to MAX_ERROR_BODY_BYTES. */
  private get isError(): boolean {
    return this.status < 200 || this.status >= 300;
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

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    if (this.isError && this.size >= MAX_ERROR_BODY_BYTES) {
      // Enough to say what went wrong; the rest is dropped with the connection.
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
    const whole = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const bytes = this.isError ? whole.subarray(0, MAX_ERROR_BODY_BYTES) : whole;
    this.resolve({ status: this.status, headers: this.headers, text: bytes.toString("utf8"), bytes });
  }
}

/** Reads at most MAX_ERROR_BODY_BYTES of a body (then drops the connection if more was coming). */
export async function readErrorBody(body: UpstreamResponse["body"]): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const part of body as AsyncIterable<Buffer>) {
      parts.push(part);
      size += part.byteLength;
      if (size >= MAX_ERROR_BODY_BYTES) break;
    }
  } catch {
    // A body that breaks while we read the error still leaves us the status.
  }
  return Buffer.concat(parts).subarray(0, MAX_ERROR_BODY_BYTES).toString("utf8");
}

/** Lets a body that was read to its end finish in the background, so its connection is kept alive. */
export function releaseBody(body: UpstreamResponse["body"]): void {
  body.on("error", () => {});
  body.resume();
}
