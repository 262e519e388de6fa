import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { SignatureV4 } from "@smithy/signature-v4";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { countWords, halves, LEAK_MARKER, wordsOf } from "./behaviour.js";
import { listenOnLoopback } from "./listen.js";
import type { FakeUpstream, RecordedRequest } from "./types.js";

export interface FakeBedrockOptions {
  /** The access key the fake accepts (default `AKIDFAKEBEDROCK`). */
  accessKeyId?: string;
  /** The secret it verifies signatures with (default `fake-bedrock-secret`). */
  secretAccessKey?: string;
  /** The region requests must be signed for (default `us-east-1`). */
  region?: string;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/**
 * Amazon Bedrock Runtime as a test double: Converse, ConverseStream (AWS event-stream frames) and
 * InvokeModel for the Titan and Cohere embedding models, each request's SigV4 signature checked
 * by recomputing it with the known secret. Behaves by the model id in the path as every fake does
 * (behaviour.ts); `blocked` is a guardrail intervention, `mid-stream-error` an exception message.
 */
export async function startFakeBedrock(options: FakeBedrockOptions = {}): Promise<FakeUpstream> {
  const accessKeyId = options.accessKeyId ?? "AKIDFAKEBEDROCK";
  const region = options.region ?? "us-east-1";
  const verifier = new SignatureV4({
    service: "bedrock",
    region,
    credentials: { accessKeyId, secretAccessKey: options.secretAccessKey ?? "fake-bedrock-secret" },
    sha256: Sha256,
  });
  const requests: RecordedRequest[] = [];
  const state = { disconnects: 0 };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      handle(req, res, raw).catch((error: unknown) => {
        if (!res.headersSent) fail(res, 500, "InternalServerException", `fake failed: ${String(error)}`);
        else res.destroy();
      });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // Recorded raw; a route that needs JSON answers with a ValidationException.
    }
    const path = req.url ?? "/";
    requests.push({ method: req.method ?? "", path, headers: { ...req.headers }, body });

    const refusal = await checkSignature(req, raw);
    if (refusal) return fail(res, 403, refusal.type, refusal.message);

    const route = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(path.split("?")[0]!);
    if (req.method !== "POST" || !route) return fail(res, 404, "UnknownOperationException", "");
    const model = decodeURIComponent(route[1]!);
    if (typeof body !== "object" || body === null)
      return fail(res, 400, "ValidationException", "Malformed input request, please reformat your input and try again.");

    const failure = /^status-(\d{3})$/.exec(model);
    if (failure) return failWithStatus(res, Number(failure[1]));
    if (model === "context-length") {
      return fail(res, 400, "ValidationException", "Input is too long for requested model.");
    }
    if (route[2] === "invoke") return invoke(res, model, body as Record<string, unknown>);

    const problem = converseProblem(body as Record<string, unknown>);
    if (problem) return fail(res, 400, "ValidationException", problem);
    if (model === "hang" && route[2] === "converse") return hang(res);
    const answer = answerFor(model, body as ConverseBody);
    if (route[2] === "converse") return converse(res, answer);
    return converseStream(res, model, answer);
  }

  /**
   * Recomputes the request's SigV4 signature from what was received (the signed headers, the
   * path as sent, the body) at the request's own x-amz-date, and compares.
   */
  /** Keeps the answer open (headers sent) until the client goes away, and counts that. */
  function hang(res: ServerResponse): void {
    if (!res.headersSent) {
      res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": requestId() });
      res.flushHeaders();
    }
    res.on("close", () => {
      if (!res.writableFinished) state.disconnects++;
    });
  }

  async function checkSignature(req: IncomingMessage, raw: string): Promise<{ type: string; message: string } | undefined> {
    const missing = { type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" };
    const authorization = req.headers.authorization;
    const date = req.headers["x-amz-date"];
    if (typeof authorization !== "string" || typeof date !== "string") return missing;
    const parts =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(
        authorization,
      );
    if (!parts)
      return {
        type: "IncompleteSignatureException",
        message: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
      };
    const [, keyId, , signedRegion, service, signedHeaders, signature] = parts;
    if (keyId !== accessKeyId)
      return { type: "UnrecognizedClientException", message: "The security token included in the request is invalid." };
    if (signedRegion !== region || service !== "bedrock") {
      return { type: "InvalidSignatureException", message: `Credential should be scoped to a valid region and service 'bedrock'.` };
    }
    const headers: Record<string, string> = {};
    for (const name of signedHeaders!.split(";")) {
      const value = req.headers[name];
      headers[name] = Array.isArray(value) ? value.join(",") : (value ?? "");
    }
    const url = new URL(req.url ?? "/", "http://fake");
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const signingDate = new Date(
      `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
    );
    const expected = await verifier.sign(
      { method: req.method ?? "POST", protocol: "http:", hostname: "fake", path: url.pathname, query, headers, body: raw },
      { signingDate, unsignableHeaders: new Set(), signableHeaders: new Set(Object.keys(headers)) },
    );
    const expectedSignature = /Signature=([0-9a-f]+)/.exec(expected.headers.authorization ?? "")?.[1];
    if (expectedSignature !== signature) {
      return {
        type: "InvalidSignatureException",
        message:
          "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
      };
    }
    return undefined;
  }

  function converseStream(res: ServerResponse, model: string, answer: Answer): void {
    res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": requestId() });
    const send = (type: string, payload: Record<string, unknown>) => res.write(eventFrame(type, payload));
    send("messageStart", { role: "assistant" });
    if (model === "hang" || model === "mid-stream-error") {
      send("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hello " } });
      if (model === "mid-stream-error") {
        res.end(exceptionFrame("modelStreamErrorException", `The model stopped answering. ${LEAK_MARKER}`));
        return;
      }
      return hang(res);
    }
    let block = 0;
    if (answer.text !== undefined) {
      for (const word of wordsOf(answer.text)) send("contentBlockDelta", { contentBlockIndex: block, delta: { text: word } });
      send("contentBlockStop", { contentBlockIndex: block });
      block++;
    }
    if (answer.toolUse) {
      const { toolUseId, name, input } = answer.toolUse;
      send("contentBlockStart", { contentBlockIndex: block, start: { toolUse: { toolUseId, name } } });
      for (const piece of halves(JSON.stringify(input)))
        send("contentBlockDelta", { contentBlockIndex: block, delta: { toolUse: { input: piece } } });
      send("contentBlockStop", { contentBlockIndex: block });
    }
    send("messageStop", { stopReason: answer.stopReason });
    send("metadata", { usage: usageOf(answer), metrics: { latencyMs: 12 } });
    res.end();
  }

  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    requests,
    get disconnects() {
      return state.disconnects;
    },
    close,
  };
}

interface ConverseBody {
  messages: { role: string; content: Record<string, unknown>[] }[];
  system?: { text: string }[];
  toolConfig?: { tools: { toolSpec: { name: string } }[] };
}

interface Answer {
  text?: string;
  toolUse?: { toolUseId: string; name: string; input: Record<string, unknown> };
  stopReason: string;
  inputTokens: number;
  outputTokens: number;
}

/** Checks a Converse body as Bedrock does: the fields it requires and the shapes it takes. */
function converseProblem(body: Record<string, unknown>): string | undefined {
  if ("model" in body || "modelId" in body) return "Extraneous key [model] is not permitted";
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
  let previous = "";
  for (const [i, message] of (body.messages as Record<string, unknown>[]).entries()) {
    if (message.role !== "user" && message.role !== "assistant") return `messages.${i}.role: must be one of [user, assistant]`;
    if (i === 0 && message.role !== "user")
      return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
    if (message.role === previous)
      return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";
    previous = message.role;
    if (!Array.isArray(message.content) || message.content.length === 0) return `messages.${i}.content: must not be empty`;
    for (const block of message.content as Record<string, unknown>[]) {
      const keys = Object.keys(block);
      if (keys.length !== 1 || !["text", "image", "toolUse", "toolResult", "document"].includes(keys[0]!)) {
        return `messages.${i}.content: each content block must set exactly one member`;
      }
    }
  }
  if (
    body.system !== undefined &&
    (!Array.isArray(body.system) || body.system.some((s) => typeof (s as { text?: unknown }).text !== "string"))
  ) {
    return "system: must be a list of {text} blocks";
  }
  const config = body.inferenceConfig as Record<string, unknown> | undefined;
  if (config !== undefined) {
    for (const key of Object.keys(config)) {
      if (!["maxTokens", "temperature", "topP", "stopSequences"].includes(key)) return `Extraneous key [${key}] is not permitted`;
    }
  }
  const toolConfig = body.toolConfig as Record<string, unknown> | undefined;
  if (toolConfig !== undefined) {
    if (!Array.isArray(toolConfig.tools) || toolConfig.tools.length === 0) return "toolConfig.tools: must have at least 1 item";
    for (const tool of toolConfig.tools as Record<string, unknown>[]) {
      const spec = tool.toolSpec as Record<string, unknown> | undefined;
      if (!spec || typeof spec.name !== "string" || typeof (spec.inputSchema as { json?: unknown } | undefined)?.json !== "object") {
        return "toolConfig.tools: each tool needs a toolSpec with a name and inputSchema.json";
      }
    }
  }
  return undefined;
}

function answerFor(model: string, body: ConverseBody): Answer {
  const inputTokens = countWords(allText(body));
  const last = lastUserText(body);
  if (model === "tool" && body.toolConfig?.tools[0]) {
    return {
      toolUse: { toolUseId: `tooluse_${requestId().slice(0, 22)}`, name: body.toolConfig.tools[0].toolSpec.name, input: { q: last } },
      stopReason: "tool_use",
      inputTokens,
      outputTokens: 10,
    };
  }
  if (model === "blocked") {
    const text = "Sorry, the model cannot answer this question.";
    return { text, stopReason: "guardrail_intervened", inputTokens, outputTokens: 0 };
  }
  return { text: last, stopReason: "end_turn", inputTokens, outputTokens: countWords(last) };
}

function converse(res: ServerResponse, answer: Answer): void {
  const content: Record<string, unknown>[] = [];
  if (answer.text !== undefined) content.push({ text: answer.text });
  if (answer.toolUse) content.push({ toolUse: answer.toolUse });
  json(res, 200, {
    output: { message: { role: "assistant", content } },
    stopReason: answer.stopReason,
    usage: usageOf(answer),
    metrics: { latencyMs: 12 },
  });
}

/** InvokeModel for the embedding models: Titan (one text per call) and Cohere (a list). */
function invoke(res: ServerResponse, model: string, body: Record<string, unknown>): void {
  if (model.startsWith("amazon.titan-embed")) {
    if (typeof body.inputText !== "string")
      return fail(
        res,
        400,
        "ValidationException",
        "Malformed input request: #: required key [inputText] not found, please reformat your input and try again.",
      );
    const dimensions = body.dimensions ?? 1024;
    if (dimensions !== 256 && dimensions !== 512 && dimensions !== 1024) {
      return fail(
        res,
        400,
        "ValidationException",
        "Malformed input request: #/dimensions: 300 is not a valid enum value, please reformat your input and try again.",
      );
    }
    const tokens = countWords(body.inputText);
    return json(
      res,
      200,
      { embedding: vectorOf(body.inputText, dimensions), inputTextTokenCount: tokens },
      { "x-amzn-bedrock-input-token-count": String(tokens) },
    );
  }
  if (model.startsWith("cohere.embed")) {
    const texts = body.texts;
    if (!Array.isArray(texts) || texts.length === 0 || texts.some((t) => typeof t !== "string")) {
      return fail(
        res,
        400,
        "ValidationException",
        "Malformed input request: #: required key [texts] not found, please reformat your input and try again.",
      );
    }
    if (!["search_document", "search_query", "classification", "clustering"].includes(String(body.input_type))) {
      return fail(
        res,
        400,
        "ValidationException",
        "Malformed input request: #: required key [input_type] not found, please reformat your input and try again.",
      );
    }
    const tokens = texts.reduce((sum: number, t: string) => sum + countWords(t), 0);
    return json(
      res,
      200,
      { id: requestId(), embeddings: texts.map((t: string) => vectorOf(t, 1024)), texts, response_type: "embeddings_floats" },
      { "x-amzn-bedrock-input-token-count": String(tokens) },
    );
  }
  return fail(res, 400, "ValidationException", `The provided model identifier is invalid.`);
}

/** Error types Bedrock answers each status with. */
const TYPE_OF_STATUS: Record<number, string> = {
  400: "ValidationException",
  401: "UnrecognizedClientException",
  403: "AccessDeniedException",
  404: "ResourceNotFoundException",
  408: "ModelTimeoutException",
  424: "ModelErrorException",
  429: "ThrottlingException",
  500: "InternalServerException",
  503: "ServiceUnavailableException",
  529: "ServiceUnavailableException",
};

function failWithStatus(res: ServerResponse, status: number): void {
  const type = TYPE_OF_STATUS[status] ?? "InternalServerException";
  // The leak marker stands for anything the provider may say that is not for the gateway's clients.
  fail(res, status, type, `${type} for key ${LEAK_MARKER}`, status === 429 ? { "retry-after": "7" } : {});
}

function fail(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { message }, { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, ...headers });
}

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": requestId(),
    ...headers,
  });
  res.end(body);
}

/** One ConverseStream event: headers name it, the payload is its JSON (Bedrock pads it with `p`). */
function eventFrame(type: string, payload: Record<string, unknown>): Uint8Array {
  return codec.encode({
    headers: {
      ":event-type": { type: "string", value: type },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "event" },
    },
    body: fromUtf8(JSON.stringify({ ...payload, p: "abcdefghijklmnopqrstuvwxyz" })),
  });
}

function exceptionFrame(type: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ":exception-type": { type: "string", value: type },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "exception" },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

function usageOf(answer: Answer): Record<string, number> {
  return { inputTokens: answer.inputTokens, outputTokens: answer.outputTokens, totalTokens: answer.inputTokens + answer.outputTokens };
}

function allText(body: ConverseBody): string {
  const texts = (body.system ?? []).map((s) => s.text);
  for (const message of body.messages) for (const block of message.content) if (typeof block.text === "string") texts.push(block.text);
  return texts.join(" ");
}

function lastUserText(body: ConverseBody): string {
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const message = body.messages[i]!;
    if (message.role !== "user") continue;
    const texts = message.content.filter((b) => typeof b.text === "string").map((b) => b.text as string);
    if (texts.length > 0) return texts.join(" ");
  }
  return "";
}

/** A unit vector made from the text, so equal texts embed equally. */
function vectorOf(text: string, dimensions: number): number[] {
  let seed = 0;
  for (let i = 0; i < text.length; i++) seed = (seed * 31 + text.charCodeAt(i)) >>> 0;
  const vector = Array.from({ length: dimensions }, (_, i) => Math.sin(seed + i));
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}

let counter = 0;
function requestId(): string {
  counter++;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, "0")}`;
}
