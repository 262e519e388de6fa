import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { SseFrame } from "./answer-format.js";

const DATA = Buffer.from("data: ");
const END = Buffer.from("\n\n");
const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};

/**
 * Server-sent events straight to the socket. Frames go out as they come (never buffered), the
 * writer waits when the client reads slowly, and an SSE comment goes out whenever nothing was
 * written for `heartbeatMs`, so proxies with idle timeouts keep long, quiet streams open.
 */
export class SseWriter {
  private timer: NodeJS.Timeout | undefined;
  private pendingHeaders: Record<string, string> | undefined;
  opened = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly heartbeatMs: number,
  ) {}

  /** Sends the headers now. */
  open(headers: Record<string, string>): void {
    if (!this.opened) {
      this.opened = true;
      this.response.writeHead(200, { ...SSE_HEADERS, ...headers });
      this.response.flushHeaders();
    }
    this.beat();
  }

  /** Sends nothing yet; if the first frame is slow, opens with these headers and sends heartbeats. */
  openLazily(headers: Record<string, string>): void {
    this.pendingHeaders = headers;
    this.beat();
  }

  /** Before anything was sent: answer with an error status and body instead of a stream. */
  reject(status: number, headers: Record<string, string>, body: string): void {
    this.stopBeating();
    if (this.opened || this.closed) return;
    this.response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    this.response.end(body);
  }

  get closed(): boolean {
    return this.response.destroyed || this.response.writableEnded;
  }

  onClose(listener: () => void): void {
    this.response.once("close", listener);
  }

  async frames(frames: readonly SseFrame[]): Promise<void> {
    for (const frame of frames) {
      if (this.closed) return;
      const data = typeof frame.data === "string" ? Buffer.from(frame.data) : frame.data;
      const parts = frame.event ? [Buffer.from(`event: ${frame.event}\n`), DATA, data, END] : [DATA, data, END];
      if (!this.response.write(Buffer.concat(parts))) await once(this.response, "drain");
    }
    if (frames.length > 0) this.beat();
  }

  end(): void {
    this.stopBeating();
    if (!this.closed) this.response.end();
  }

  private beat(): void {
    this.stopBeating();
    if (this.heartbeatMs <= 0 || this.closed) return;
    this.timer = setTimeout(() => {
      if (this.closed) return;
      if (!this.opened) this.open(this.pendingHeaders ?? {});
      this.response.write(": keep-alive\n\n");
      this.beat();
    }, this.heartbeatMs);
    this.timer.unref();
  }

  private stopBeating(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
