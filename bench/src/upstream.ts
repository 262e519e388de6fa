// A zero-latency OpenAI-compatible upstream in its own process: POST …/chat/completions answers
// at once, as JSON or (with `stream: true`) as SSE in OpenAI's wire format, one write per event,
// with the usage chunk when `stream_options.include_usage` is set.
//
// Slow answers, for holding many streams open: a `bench_hold_ms` field in the request body (the
// gateway passes unknown fields through), a `latency_ms` query parameter, or an upstream model
// named `slow-<ms>`. A stream then sends its first chunks at once and the rest after that many
// milliseconds; a JSON answer waits that long.
//
// Streams paced like a model's tokens: `bench_chunks` content chunks (default 3) and
// `bench_chunk_gap_ms` between them (default 0: all in one write), so each chunk reaches the
// gateway on its own, as tokens do.
//
// GET /_bench/stats answers {connections, requests} so far: the bench checks keep-alive with it.
// Prints one JSON line `{"port":…}` on stdout when listening. Binds 127.0.0.1 only.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

let counter = 0;
const CREATED = Math.floor(Date.now() / 1000);
const CONTENT = ["Hello", "! How can I", " help you today?"];
const USAGE = {
  prompt_tokens: 19,
  completion_tokens: 9,
  total_tokens: 28,
  prompt_tokens_details: { cached_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0 },
};

function completion(model: string): string {
  return JSON.stringify({
    id: `chatcmpl-bench-${++counter}`,
    object: "chat.completion",
    created: CREATED,
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: CONTENT.join(""), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: USAGE,
    service_tier: "default",
    system_fingerprint: "fp_bench",
  });
}

/** The content of `count` chunks: the usual three, or as many single words as asked for. */
const contentOf = (count: number): string[] =>
  count === CONTENT.length ? CONTENT : Array.from({ length: count }, (_, i) => (i === 0 ? "Hello" : " world"));

function streamEvents(model: string, withUsage: boolean, contentChunks = CONTENT.length): string[] {
  const id = `chatcmpl-bench-${++counter}`;
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: CREATED, model, system_fingerprint: "fp_bench", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  const events = [
    chunk({ role: "assistant", content: "" }, null),
    ...contentOf(contentChunks).map((c) => chunk({ content: c }, null)),
    chunk({}, "stop"),
  ];
  if (withUsage) {
    events.push(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: CREATED, model, system_fingerprint: "fp_bench", choices: [], usage: USAGE })}\n\n`,
    );
  }
  events.push("data: [DONE]\n\n");
  return events;
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code: null } }));
}

let connections = 0;
let requests = 0;

function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
  const url = new URL(req.url ?? "/", "http://upstream");
  if (req.method === "GET" && url.pathname === "/_bench/stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ connections, requests }));
    return;
  }
  requests++;
  if (req.method !== "POST" || !url.pathname.endsWith("/chat/completions")) {
    fail(res, 404, `no route for ${req.method} ${url.pathname}`);
    return;
  }
  let body: {
    model?: unknown;
    stream?: unknown;
    stream_options?: { include_usage?: unknown };
    bench_hold_ms?: unknown;
    bench_chunks?: unknown;
    bench_chunk_gap_ms?: unknown;
  };
  try {
    body = JSON.parse(raw.toString("utf8")) as typeof body;
  } catch {
    fail(res, 400, "the body is not JSON");
    return;
  }
  const model = typeof body.model === "string" ? body.model : "bench";
  const slow = /^slow-(\d+)$/.exec(model);
  const latencyMs = Number(body.bench_hold_ms ?? url.searchParams.get("latency_ms") ?? (slow ? slow[1] : 0)) || 0;
  if (body.stream !== true) {
    const answer = () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(completion(model));
    };
    if (latencyMs > 0) setTimeout(answer, latencyMs);
    else answer();
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  const contentChunks = typeof body.bench_chunks === "number" && body.bench_chunks >= 1 ? Math.floor(body.bench_chunks) : CONTENT.length;
  const events = streamEvents(model, body.stream_options?.include_usage === true, contentChunks);
  const gapMs = typeof body.bench_chunk_gap_ms === "number" ? body.bench_chunk_gap_ms : 0;
  if (gapMs > 0) {
    // One event per timer, so each leaves in its own TCP segment and reaches the gateway alone.
    let timer: NodeJS.Timeout | undefined;
    let next = 0;
    const send = () => {
      res.write(events[next++]!);
      if (next < events.length) timer = setTimeout(send, gapMs);
      else res.end();
    };
    res.once("close", () => clearTimeout(timer));
    send();
    return;
  }
  if (latencyMs > 0) {
    res.write(events[0]!);
    res.write(events[1]!);
    const timer = setTimeout(() => {
      for (const event of events.slice(2)) res.write(event);
      res.end();
    }, latencyMs);
    res.once("close", () => clearTimeout(timer));
    return;
  }
  for (const event of events) res.write(event);
  res.end();
}

const server = createServer({ keepAliveTimeout: 120_000, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (part: Buffer) => parts.push(part));
  req.on("end", () => handle(req, res, parts.length === 1 ? parts[0]! : Buffer.concat(parts)));
});
server.maxRequestsPerSocket = 0;
server.on("connection", () => connections++);
server.listen({ host: "127.0.0.1", port: Number(process.env.BENCH_UPSTREAM_PORT ?? 0), backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.on("disconnect", () => process.exit(0));
