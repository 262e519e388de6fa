import type { ProviderConfig } from "@switchyard/config";
import { type Dispatcher, Pool } from "undici";

export const DEFAULT_OPENAI_BASE = "https://api.openai.com/v1";

/** Error bodies are read up to this size; the rest is dropped. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData["body"];
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

  async post(path: string, body: unknown, options: { signal: AbortSignal; accept: string }): Promise<UpstreamResponse> {
    const response = await this.pool.request({
      method: "POST",
      path: `${this.basePath}${path}${this.query}`,
      headers: { ...this.headers, accept: options.accept },
      body: JSON.stringify(body),
      signal: options.signal,
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  }

  close(): Promise<void> {
    return this.pool.close();
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
