import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFixture } from "../providers/openai/fixtures.js";

/**
 * A local OpenAI-compatible server for tests, speaking the real wire format (JSON and SSE). The
 * request's `model` picks the behaviour:
 *   anything     a completion, or a stream replaying the SSE fixture (usage only if asked for)
 *   status-<n>   an OpenAI error body with that status (`retry-after: 7` on 429)
 *   hang         streams two chunks (not streamed: half the completion) and then never finishes
 *   cut-off      half the completion, then the connection is reset
 *   huge-error   a 502 whose body (not JSON) is far larger than anyone should read
 *   long-stream  streamed: LONG_STREAM_CHUNKS chunks of 1 KB (or `max_tokens` of them), written
 *                as the client reads them
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** Settles when the response closes; `finished` is false when the client hung up first. */
  closed: Promise<{ finished: boolean }>;
  /** Chunks of a `long-stream` answer written so far. */
  chunksWritten: number;
}

export interface FakeOpenAI {
  /** Base URL without `/v1`, e.g. http://127.0.0.1:43123 */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  /** Resolves with the next request the server receives. */
  nextRequest(): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const waiting: ((request: RecordedRequest) => void)[] = [];
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const closed = new Promise<{ finished: boolean }>((resolve) => res.once("close", () => resolve({ finished: res.writableFinished })));
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(parts).toString("utf8")) as Record<string, unknown>;
    } catch {
      // Recorded as an empty body; the test decides whether that matters.
    }
    const recorded: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, closed, chunksWritten: 0 };
    requests.push(recorded);
    waiting.shift()?.(recorded);
    respond(recorded, res);
  });
  let connections = 0;
  server.on("connection", () => connections++);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    nextRequest: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function respond(request: RecordedRequest, res: ServerResponse): void {
  const model = String(request.body.model ?? "");
  const status = /^status-(\d{3})$/.exec(model);
  if (status) {
    const code = Number(status[1]);
    const body = code === 429 ? readFixture("error-rate-limit.json") : errorBody(code);
    res.writeHead(code, { "content-type": "application/json", ...(code === 429 ? { "retry-after": "7" } : {}) });
    res.end(body);
    return;
  }
  if (request.path.endsWith("/embeddings")) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(readFixture("embeddings-response.json"));
    return;
  }
  if (model === "huge-error") {
    res.writeHead(502, { "content-type": "text/plain" });
    void writeHugeBody(res, "bad gateway ", 16 * 1024 * 1024);
    return;
  }
  if (request.body.stream !== true) {
    const completion = readFixture("chat-completion.json");
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(completion) });
    if (model === "hang" || model === "cut-off") {
      res.write(completion.slice(0, completion.length / 2));
      if (model === "cut-off") setTimeout(() => res.socket?.resetAndDestroy(), 20);
      return;
    }
    res.end(completion);
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
  if (model === "long-stream") {
    const asked = request.body.max_tokens;
    void writeLongStream(request, res, typeof asked === "number" ? asked : LONG_STREAM_CHUNKS);
    return;
  }
  const events = sseEvents(request.body);
  if (model === "hang" || model === "cut-off") {
    // Two chunks, then silence until the client goes away (or, cut-off, a connection reset).
    res.write(events[0]);
    res.write(events[1]);
    if (model === "cut-off") setTimeout(() => res.socket?.resetAndDestroy(), 20);
    return;
  }
  // One write per event, as a real server flushes them.
  for (const event of events) res.write(event);
  res.end();
}

/**
 * Far more than the socket buffers of both ends hold, written as the client reads it: the response
 * only finishes (`closed.finished`) when the client read it all.
 */
async function writeHugeBody(res: ServerResponse, prefix: string, bytes: number): Promise<void> {
  const block = Buffer.alloc(64 * 1024, "x");
  res.write(prefix);
  for (let sent = 0; sent < bytes && !res.destroyed; sent += block.byteLength) {
    if (!res.write(block)) await Promise.race([once(res, "drain"), once(res, "close")]);
  }
  if (!res.destroyed) res.end();
}

/** Content chunks of the `long-stream` model unless `max_tokens` says: about 2 MB of events, far above what a reader buffers. */
export const LONG_STREAM_CHUNKS = 2_000;

/** The content of chunk `index` of the `long-stream` model. */
export const longStreamContent = (index: number) => `${index}:${"x".repeat(1_000)}`;

async function writeLongStream(request: RecordedRequest, res: ServerResponse, chunks: number): Promise<void> {
  const event = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ id: "chatcmpl-long", object: "chat.completion.chunk", created: 1, model: "long-stream", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  for (let i = 0; i < chunks && !res.destroyed; i++) {
    const room = res.write(event({ content: longStreamContent(i) }, null));
    request.chunksWritten = i + 1;
    if (!room) await Promise.race([once(res, "drain"), once(res, "close")]);
  }
  if (res.destroyed) return;
  res.write(event({}, "stop"));
  res.end("data: [DONE]\n\n");
}

/** The fixture's events; without include_usage, OpenAI sends no usage at all. */
function sseEvents(body: Record<string, unknown>): string[] {
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  const withUsage = options?.include_usage === true;
  return readFixture("chat-stream.sse")
    .split("\n\n")
    .filter((event) => event.trim() !== "")
    .flatMap((event) => {
      const data = event.slice("data: ".length);
      if (data === "[DONE]" || withUsage) return [`${event}\n\n`];
      const chunk = JSON.parse(data) as { choices: unknown[]; usage?: unknown };
      if (chunk.choices.length === 0) return [];
      delete chunk.usage;
      return [`data: ${JSON.stringify(chunk)}\n\n`];
    });
}

function errorBody(status: number): string {
  const type = status >= 500 ? "server_error" : "invalid_request_error";
  return JSON.stringify({ error: { message: `fake upstream says ${status}`, type, param: null, code: null } });
}
