import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { behaviourOf, countWords, halves, LEAK_MARKER, wordsOf } from "./behaviour.js";
import { listenOnLoopback } from "./listen.js";
import type { FakeUpstream, RecordedRequest } from "./types.js";

/**
 * A local Anthropic Messages API (`POST /v1/messages`) for tests. It checks requests the way the
 * real one does (x-api-key, anthropic-version, required and unknown body fields, roles, non-empty
 * text) and answers with the documented bodies, headers and event streams. The upstream `model`
 * picks the behaviour, as for every fake (behaviour.ts): echo, tool, status-<code>,
 * context-length, blocked (stop_reason "refusal"), mid-stream-error (`event: error`,
 * overloaded_error), hang; any other model answers as echo.
 */
export async function startFakeAnthropic(options: { apiKey?: string } = {}): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const fake: FakeUpstream = { url: "", requests, disconnects: 0, close: async () => {} };
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    res.once("close", () => {
      if (!res.writableFinished) fake.disconnects++;
    });
    const text = Buffer.concat(parts).toString("utf8");
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Recorded as its text; answered as the real API answers a body that is not JSON.
    }
    const recorded: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body };
    requests.push(recorded);
    answer(recorded, res, options.apiKey ?? "test-key");
  });
  Object.assign(fake, await listenOnLoopback(server));
  return fake;
}

/** API versions are dates; 2023-06-01 is the one the gateway sends, the official client sends newer ones. */
const VERSION = /^20\d\d-\d\d-\d\d$/;
/** From this version on, system messages may also come inside `messages`. */
const SYSTEM_ROLE_SINCE = "2026-10-21";

/** Top-level fields the Messages API accepts; anything else is refused as the real API does. */
const KNOWN_FIELDS = new Set([
  "model",
  "messages",
  "max_tokens",
  "system",
  "stop_sequences",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "tools",
  "tool_choice",
  "metadata",
  "thinking",
  "service_tier",
  "container",
  "mcp_servers",
  "context_management",
]);

/** The error type Anthropic sends with each status. */
const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

type Json = Record<string, unknown>;

let sequence = 0;
const nextId = (prefix: string) => `${prefix}_fake${(++sequence).toString().padStart(20, "0")}`;

function answer(request: RecordedRequest, res: ServerResponse, apiKey: string): void {
  const requestId = nextId("req");
  res.setHeader("request-id", requestId);
  if (request.method !== "POST" || request.path.split("?")[0] !== "/v1/messages") {
    return sendError(res, 404, "not_found_error", "Not found", requestId);
  }
  // The real API checks the key before anything else: `x-api-key`, or a bearer token as the
  // official client sends it.
  const bearer = /^Bearer (.+)$/.exec(header(request.headers, "authorization") ?? "");
  const key = header(request.headers, "x-api-key") ?? bearer?.[1];
  if (!key) return sendError(res, 401, "authentication_error", "x-api-key header is required", requestId);
  if (key !== apiKey) return sendError(res, 401, "authentication_error", "invalid x-api-key", requestId);
  const version = header(request.headers, "anthropic-version");
  if (!version) return sendError(res, 400, "invalid_request_error", "anthropic-version: header is required", requestId);
  if (!VERSION.test(version) || version < "2023-01-01")
    return sendError(res, 400, "invalid_request_error", `anthropic-version: invalid version ${version}`, requestId);
  if (!String(header(request.headers, "content-type") ?? "").includes("application/json")) {
    return sendError(res, 400, "invalid_request_error", "Content-Type must be application/json", requestId);
  }
  const body = request.body;
  if (!isObject(body))
    return sendError(res, 400, "invalid_request_error", "There was an issue with your request body: not valid JSON", requestId);
  const problem = validate(body, version);
  if (problem) return sendError(res, 400, "invalid_request_error", problem, requestId);

  const behaviour = behaviourOf(body.model as string);
  const stream = body.stream === true;
  if (behaviour.name === "status") {
    const code = behaviour.status;
    if (code === 429) {
      res.setHeader("retry-after", "7");
      setRateLimitHeaders(res, 0);
    }
    const type = ERROR_TYPES[code] ?? (code >= 500 ? "api_error" : "invalid_request_error");
    return sendError(res, code, type, `fake ${type} (key ${LEAK_MARKER})`, requestId);
  }
  if (behaviour.name === "context-length") {
    return sendError(res, 400, "invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum", requestId);
  }
  if (behaviour.name === "mid-stream-error" && !stream) return sendError(res, 529, "overloaded_error", "Overloaded", requestId);

  const reply = answerFor(body);
  setRateLimitHeaders(res);
  if (!stream) {
    if (behaviour.name === "hang") {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(messageOf(reply, body)));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  writeStream(res, reply, body);
}

interface Answer {
  id: string;
  text?: string;
  tool?: { id: string; name: string; input: Json };
  stopReason: string;
  inputTokens: number;
  outputTokens: number;
}

function answerFor(body: Json): Answer {
  const lastText = lastUserText(body.messages as Json[]);
  const inputTokens = countWords(allText(body));
  const id = nextId("msg");
  const model = body.model as string;
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  if (model === "tool" && tools.length > 0) {
    const tool = { id: nextId("toolu"), name: String(tools[0]!.name), input: { q: lastText } };
    return { id, tool, stopReason: "tool_use", inputTokens, outputTokens: countWords(JSON.stringify(tool.input)) };
  }
  if (model === "blocked") return { id, text: "", stopReason: "refusal", inputTokens, outputTokens: 0 };
  return { id, text: lastText, stopReason: "end_turn", inputTokens, outputTokens: countWords(lastText) };
}

function messageOf(answer: Answer, body: Json): Json {
  const content: Json[] = [];
  if (answer.text) content.push({ type: "text", text: answer.text });
  if (answer.tool) content.push({ type: "tool_use", ...answer.tool });
  return {
    id: answer.id,
    type: "message",
    role: "assistant",
    model: body.model,
    content,
    stop_reason: answer.stopReason,
    stop_sequence: null,
    usage: usageOf(answer, answer.outputTokens),
  };
}

function usageOf(answer: Answer, outputTokens: number): Json {
  return { input_tokens: answer.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens };
}

/** The documented event sequence: message_start, blocks (start, deltas, stop), message_delta, message_stop. */
function writeStream(res: ServerResponse, answer: Answer, body: Json): void {
  const model = body.model as string;
  const send = (type: string, data: Json) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const message = { ...messageOf(answer, body), content: [], stop_reason: null, usage: usageOf(answer, 1) };
  send("message_start", { message });
  if (answer.tool) {
    send("content_block_start", { index: 0, content_block: { type: "tool_use", id: answer.tool.id, name: answer.tool.name, input: {} } });
    send("ping", {});
    // The API's first input_json_delta is often empty; then the JSON in pieces.
    for (const partial of ["", ...halves(JSON.stringify(answer.tool.input))]) {
      send("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: partial } });
    }
    send("content_block_stop", { index: 0 });
  } else {
    send("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
    send("ping", {});
    const pieces = wordsOf(answer.text ?? "");
    if (model === "mid-stream-error" || model === "hang") {
      send("content_block_delta", { index: 0, delta: { type: "text_delta", text: pieces[0] ?? "partial " } });
      if (model === "mid-stream-error") {
        send("error", { error: { type: "overloaded_error", message: "Overloaded" } });
        res.end();
      }
      // hang: nothing more until the client goes away.
      return;
    }
    for (const text of pieces) send("content_block_delta", { index: 0, delta: { type: "text_delta", text } });
    send("content_block_stop", { index: 0 });
  }
  send("message_delta", { delta: { stop_reason: answer.stopReason, stop_sequence: null }, usage: { output_tokens: answer.outputTokens } });
  send("message_stop", {});
  res.end();
}

/** The rate-limit headers Anthropic sends on every answer; resets are RFC 3339 times. */
function setRateLimitHeaders(res: ServerResponse, remainingRequests = 999): void {
  const reset = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  res.setHeader("anthropic-ratelimit-requests-limit", "1000");
  res.setHeader("anthropic-ratelimit-requests-remaining", String(remainingRequests));
  res.setHeader("anthropic-ratelimit-requests-reset", reset);
  res.setHeader("anthropic-ratelimit-tokens-limit", "100000");
  res.setHeader("anthropic-ratelimit-tokens-remaining", "99000");
  res.setHeader("anthropic-ratelimit-tokens-reset", reset);
  res.setHeader("anthropic-ratelimit-input-tokens-limit", "80000");
  res.setHeader("anthropic-ratelimit-input-tokens-remaining", "79500");
  res.setHeader("anthropic-ratelimit-input-tokens-reset", reset);
  res.setHeader("anthropic-ratelimit-output-tokens-limit", "20000");
  res.setHeader("anthropic-ratelimit-output-tokens-remaining", "19500");
  res.setHeader("anthropic-ratelimit-output-tokens-reset", reset);
}

function sendError(res: ServerResponse, status: number, type: string, message: string, requestId: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ type: "error", error: { type, message }, request_id: requestId }));
}

/** What the real API refuses with a 400 before generating anything. */
function validate(body: Json, version: string): string | undefined {
  const roles = version >= SYSTEM_ROLE_SINCE ? ["user", "assistant", "system"] : ["user", "assistant"];
  for (const key of Object.keys(body)) if (!KNOWN_FIELDS.has(key)) return `${key}: Extra inputs are not permitted`;
  if (typeof body.model !== "string" || body.model === "") return "model: Field required";
  if (body.max_tokens === undefined) return "max_tokens: Field required";
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1)
    return "max_tokens: Input should be a valid integer greater than 0";
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "messages: at least one message is required";
  for (const [i, message] of (body.messages as unknown[]).entries()) {
    if (!isObject(message)) return `messages.${i}: Input should be a valid dictionary`;
    if (!roles.includes(String(message.role)))
      return `messages.${i}.role: Input should be ${roles.map((role) => `'${role}'`).join(" or ")}`;
    const content = message.content;
    if (typeof content === "string") continue;
    if (!Array.isArray(content)) return `messages.${i}.content: Input should be a valid string or list`;
    for (const [j, block] of content.entries()) {
      if (!isObject(block) || typeof block.type !== "string") return `messages.${i}.content.${j}: Input should be a valid dictionary`;
      if (block.type === "text" && (typeof block.text !== "string" || block.text === ""))
        return `messages.${i}.content.${j}.text: text content blocks must be non-empty`;
    }
  }
  if (body.system !== undefined && typeof body.system !== "string" && !Array.isArray(body.system))
    return "system: Input should be a valid string or list";
  if (body.stop_sequences !== undefined && !Array.isArray(body.stop_sequences)) return "stop_sequences: Input should be a valid list";
  if (typeof body.temperature === "number" && (body.temperature < 0 || body.temperature > 1))
    return "temperature: Input should be less than or equal to 1";
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return "tools: Input should be a valid list";
    for (const [i, tool] of body.tools.entries()) {
      if (!isObject(tool) || typeof tool.name !== "string") return `tools.${i}.name: Field required`;
      if (!isObject(tool.input_schema)) return `tools.${i}.input_schema: Field required`;
    }
  }
  if (body.tool_choice !== undefined) {
    const choice = body.tool_choice;
    if (!isObject(choice) || !["auto", "any", "tool", "none"].includes(String(choice.type)))
      return "tool_choice: Input tag does not match any of the expected tags";
    if (choice.type === "tool" && typeof choice.name !== "string") return "tool_choice.tool.name: Field required";
  }
  return undefined;
}

/** The text of the last user message (its text blocks, joined). */
function lastUserText(messages: Json[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role !== "user") continue;
    const text = blockText(message.content);
    if (text !== "") return text;
  }
  return "";
}

function blockText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((block): block is Json => isObject(block) && block.type === "text" && typeof block.text === "string")
    .map((block) => block.text as string)
    .join(" ");
}

function allText(body: Json): string {
  const system = typeof body.system === "string" ? body.system : blockText(body.system);
  return [system, ...(body.messages as Json[]).map((message) => blockText(message.content))].join(" ");
}

function header(headers: IncomingMessage["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
