import type { ServerResponse } from "node:http";
import { once } from "node:events";

const DATA = Buffer.from("data: ");
const END = Buffer.from("\n\n");
export const DONE = Buffer.from("data: [DONE]\n\n");

/** Writes SSE `data:` frames straight to the socket, waiting when the client reads slowly. */
export class SseWriter {
  constructor(private readonly response: ServerResponse) {}

  open(headers: Record<string, string>): void {
    this.response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...headers,
    });
    this.response.flushHeaders();
  }

  get closed(): boolean {
    return this.response.destroyed || this.response.writableEnded;
  }

  async data(payload: Uint8Array | string): Promise<void> {
    if (this.closed) return;
    const bytes = typeof payload === "string" ? Buffer.from(payload) : payload;
    if (!this.response.write(Buffer.concat([DATA, bytes, END]))) await once(this.response, "drain");
  }

  comment(text: string): void {
    if (!this.closed) this.response.write(`: ${text}\n\n`);
  }

  end(withDone = true): void {
    if (this.closed) return;
    this.response.end(withDone ? DONE : undefined);
  }
}
