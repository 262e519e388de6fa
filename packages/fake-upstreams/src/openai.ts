import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { behaviourOf, countWords, halves, LEAK_MARKER, toolArguments, wordsOf } from "./behaviour.js";
import { readFixture as readAnyFixture } from "./fixtures.js";
import { listenOnLoopback } from "./listen.js";
import type { RecordedRequest as BaseRecordedRequest, FakeUpstream } from "./types.js";

const readFixture = (name: string) => readAnyFixture("openai", name);

/**
 * A local OpenAI server for tests, speaking the real wire format (JSON and SSE; paths are matched
 * by their end, so any base path works). The request's `model` picks the behaviour:
 *   echo, tool, status-<n>, context-length, mid-stream-error, hang: as every fake (see behaviour.ts)
 *   anything else  a completion, or a stream replaying the SSE fixture (usage only if asked for)
 *   cut-off        half the completion, then the connection is reset
 *   huge-error     a 502 whose body (not JSON) is far larger than anyone should read
 *   long-stream    streamed: LONG_STREAM_CHUNKS chunks of 1 KB (or `max_tokens` of them), written
 *                  as the client reads them
 * With `apiKey`, a request without `Authorization: Bearer <apiKey>` gets OpenAI's 401.
 */
export interface RecordedOpenAIRequest extends BaseRecordedRequest {
  body: Record<string, unknown>;
  /** Settles when the response closes; `finished` is false when the client hung up first. */
  closed: Promise<{ finished: boolean }>;
  /** Chunks of a `long-stream` answer written so far. */
  chunksWritten: number;
}

export interface FakeOpenAI extends FakeUpstream {
  /** Base URL without `/v1` (paths are matched by their end), e.g. http://127.0.0.1:43123 */
  readonly url: string;
  readonly requests: RecordedOpenAIRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  /** Resolves with the next request the server receives. */
  nextRequest(): Promise<RecordedOpenAIRequest>;
  close(): Promise<void>;
}

/** How a server speaking OpenAI's format differs from OpenAI (Azure reuses this server). */
export interface OpenAIDialect {
  /** Null when the request may pass; else the status and body of the refusal. */
  authError(request: IncomingMessage): { status: number; body: unknown } | null;
  /** Null when the path and query are served; else the status and body of the refusal. */
  routeError?(pathAndQuery: string): { status: number; body: unknown } | null;
  /** The upstream model of a request (the body's `model`, or a deployment in the path). */
  modelOf(path: string, body: Record<string, unknown>): string;
  /** The body of an error with this status (`status-<n>` models), mentioning LEAK_MARKER. */
  errorBody(status: number): unknown;
  /** The context-window-exceeded refusal. */
  contextLength: { status: number; body: unknown };
  /** The content-filter refusal, where the API has one. */
  blocked?: { status: number; body: unknown };
  /** Rate-limit headers sent on a successful answer. */
  rateLimitHeaders: Record<string, string>;
}

/** The context-window refusal, as OpenAI (and Azure OpenAI, which serves the same models) sends it. */
export const OPENAI_CONTEXT_LENGTH = {
  status: 400,
  body: {
    error: {
      message:
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130017 tokens. Please reduce the length of the messages.",
      type: "invalid_request_error",
      param: "messages",
      code: "context_length_exceeded",
    },
  },
};

export const OPENAI_RATE_LIMIT_HEADERS: Record<string, string> = {
  "x-ratelimit-limit-requests": "10000",
  "x-ratelimit-remaining-requests": "9999",
  "x-ratelimit-reset-requests": "6ms",
  "x-ratelimit-limit-tokens": "200000",
  "x-ratelimit-remaining-tokens": "199990",
  "x-ratelimit-reset-tokens": "1m2.5s",
};

function openAIDialect(apiKey: string | undefined): OpenAIDialect {
  return {
    authError(request) {
      if (apiKey === undefined) return null;
      const given = request.headers.authorization;
      if (given === `Bearer ${apiKey}`) return null;
      const message = given
        ? `Incorrect API key provided: ${LEAK_MARKER}. You can find your API key at https://platform.openai.com/account/api-keys.`
        : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
      return {
        status: 401,
        body: { error: { message, type: "invalid_request_error", param: null, code: given ? "invalid_api_key" : null } },
      };
    },
    modelOf: (_path, body) => String(body.model ?? ""),
    errorBody: (status) =>
      JSON.parse(status === 429 ? readFixture("error-rate-limit.json").replace("org-", `${LEAK_MARKER} org-`) : errorBody(status)),
    contextLength: OPENAI_CONTEXT_LENGTH,
    rateLimitHeaders: OPENAI_RATE_LIMIT_HEADERS,
  };
}

export function startFakeOpenAI(options: { apiKey?: string } = {}): Promise<FakeOpenAI> {
  return startOpenAIWire(openAIDialect(options.apiKey));
}

/** A server speaking OpenAI's format with `dialect`'s differences. */
export async function startOpenAIWire(dialect: OpenAIDialect): Promise<FakeOpenAI> {
  const fake = { disconnects: 0 } as FakeOpenAI;
  const requests: RecordedOpenAIRequest[] = [];
  const waiting: ((request: RecordedOpenAIRequest) => void)[] = [];
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const closed = new Promise<{ finished: boolean }>((resolve) =>
      res.once("close", () => {
        if (!res.writableFinished) fake.disconnects++;
        resolve({ finished: res.writableFinished });
      }),
    );
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(parts).toString("utf8")) as Record<string, unknown>;
    } catch {
      // Recorded as an empty body; the test decides whether that matters.
    }
    const recorded: RecordedOpenAIRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body,
      closed,
      chunksWritten: 0,
    };
    requests.push(recorded);
    waiting.shift()?.(recorded);
    const refused = dialect.authError(req) ?? dialect.routeError?.(recorded.path) ?? null;
    if (refused) return sendJson(res, refused.status, refused.body);
    respond(recorded, res, dialect);
  });
  let connections = 0;
  server.on("connection", () => connections++);
  Object.assign(fake, await listenOnLoopback(server), {
    requests,
    connections: () => connections,
    nextRequest: () => new Promise<RecordedOpenAIRequest>((resolve) => waiting.push(resolve)),
  });
  return fake;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function respond(request: RecordedOpenAIRequest, res: ServerResponse, dialect: OpenAIDialect): void {
  const path = request.path.split("?")[0]!;
  const model = dialect.modelOf(path, request.body);
  const behaviour = behaviourOf(model);
  switch (behaviour.name) {
    case "status":
      return sendJson(res, behaviour.status, dialect.errorBody(behaviour.status), behaviour.status === 429 ? { "retry-after": "7" } : {});
    case "context-length":
      return sendJson(res, dialect.contextLength.status, dialect.contextLength.body);
    case "blocked":
      if (dialect.blocked) return sendJson(res, dialect.blocked.status, dialect.blocked.body);
      break;
    case "echo":
    case "tool":
    case "mid-stream-error":
      if (!path.endsWith("/embeddings")) return answer(request, res, dialect, behaviour.name, model);
      break;
  }
  if (path.endsWith("/embeddings")) {
    res.writeHead(200, { "content-type": "application/json", ...dialect.rateLimitHeaders });
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
    // One chunk (cut-off: two), then silence until the client goes away (or, cut-off, a connection reset).
    res.write(events[0]);
    if (model === "cut-off") res.write(events[1]);
    if (model === "cut-off") setTimeout(() => res.socket?.resetAndDestroy(), 20);
    return;
  }
  // One write per event, as a real server flushes them.
  for (const event of events) res.write(event);
  res.end();
}

type Message = { role?: unknown; content?: unknown };

let answers = 0;

/** The text of a message's content: a string, or the text parts of an array. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: { type?: unknown; text?: unknown }) => (part.type === "text" && typeof part.text === "string" ? part.text : ""))
    .join(" ");
}

/** echo, tool and mid-stream-error: an answer made from the request, as OpenAI shapes it. */
function answer(request: RecordedOpenAIRequest, res: ServerResponse, dialect: OpenAIDialect, behaviour: string, model: string): void {
  const messages = (Array.isArray(request.body.messages) ? request.body.messages : []) as Message[];
  const lastUser = textOf([...messages].reverse().find((m) => m.role === "user")?.content);
  const promptTokens = messages.reduce((sum, m) => sum + countWords(textOf(m.content)), 0);
  const tools = Array.isArray(request.body.tools) ? (request.body.tools as { function?: { name?: string } }[]) : [];
  const toolName = tools[0]?.function?.name ?? "tool";
  const args = toolArguments(lastUser);
  const completionTokens = behaviour === "tool" ? countWords(args) : countWords(lastUser);
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  const id = `chatcmpl-fake${++answers}`;
  const created = Math.floor(Date.now() / 1000);
  const callId = "call_fake0001";
  const finish = behaviour === "tool" ? "tool_calls" : "stop";

  if (request.body.stream !== true) {
    const message =
      behaviour === "tool"
        ? {
            role: "assistant",
            content: null,
            tool_calls: [{ id: callId, type: "function", function: { name: toolName, arguments: args } }],
            refusal: null,
          }
        : { role: "assistant", content: lastUser, refusal: null };
    const completion = {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
      usage,
      system_fingerprint: "fp_fake",
    };
    return sendJson(res, 200, completion, dialect.rateLimitHeaders);
  }

  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...dialect.rateLimitHeaders,
  });
  const includeUsage = (request.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const chunk = (choices: unknown[], extra: object = {}) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: "fp_fake", choices, ...(includeUsage ? { usage: null } : {}), ...extra })}\n\n`;
  const delta = (value: object, finishReason: string | null = null) =>
    chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finishReason }]);

  if (behaviour === "tool") {
    const [first, second] = halves(args);
    res.write(
      delta({
        role: "assistant",
        content: null,
        tool_calls: [{ index: 0, id: callId, type: "function", function: { name: toolName, arguments: "" } }],
        refusal: null,
      }),
    );
    res.write(delta({ tool_calls: [{ index: 0, function: { arguments: first } }] }));
    res.write(delta({ tool_calls: [{ index: 0, function: { arguments: second } }] }));
  } else {
    res.write(delta({ role: "assistant", content: "", refusal: null }));
    const words = wordsOf(lastUser);
    if (behaviour === "mid-stream-error") {
      res.write(delta({ content: words[0] ?? "" }));
      // OpenAI's streams end this way when a server fails mid-answer: the connection just closes.
      setTimeout(() => res.socket?.destroy(), 5);
      return;
    }
    for (const word of words) res.write(delta({ content: word }));
  }
  res.write(delta({}, finish));
  if (includeUsage) res.write(chunk([], { usage }));
  res.end("data: [DONE]\n\n");
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

async function writeLongStream(request: RecordedOpenAIRequest, res: ServerResponse, chunks: number): Promise<void> {
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
  return JSON.stringify({ error: { message: `fake upstream says ${status} (key ${LEAK_MARKER})`, type, param: null, code: null } });
}
