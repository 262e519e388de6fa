import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { behaviourOf, countWords, LEAK_MARKER, toolArguments, wordsOf } from "./behaviour.js";
import { listenOnLoopback } from "./listen.js";
import type { FakeUpstream, RecordedRequest } from "./types.js";

/**
 * A local Gemini API (generativelanguage.googleapis.com, v1beta) for tests: `generateContent`,
 * `streamGenerateContent` (`alt=sse`, else a JSON array as the real API sends), `embedContent` and
 * `batchEmbedContents`. It checks requests as the real API does (path, key, body fields: unknown
 * names and malformed contents are refused with Google's error body) and answers by the model in
 * the path (echo, tool, status-<n>, context-length, blocked, mid-stream-error, hang: see behaviour.ts).
 * A missing key gets Google's 403, a wrong one its 400 API_KEY_INVALID (Gemini's real answers).
 */
export function startFakeGemini(options: { apiKey?: string } = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? "test-key";
  const requests: RecordedRequest[] = [];
  const state = { disconnects: 0 };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Kept raw; the handler refuses it as Google does.
    }
    const url = new URL(req.url ?? "/", "http://fake");
    requests.push({ method: req.method ?? "", path: url.pathname + url.search, headers: req.headers, body });
    res.on("close", () => {
      if (!res.writableFinished) state.disconnects++;
    });
    handle(req, res, url, body, apiKey);
  });
  return listen(server, requests, state);
}

async function listen(
  server: ReturnType<typeof createServer>,
  requests: RecordedRequest[],
  state: { disconnects: number },
): Promise<FakeUpstream> {
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

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "NOT_IMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

function sendError(res: ServerResponse, code: number, message: string, details?: Json[], headers: Record<string, string> = {}): void {
  const error: Json = { code, message, status: STATUS_NAMES[code] ?? "UNKNOWN" };
  if (details) error.details = details;
  res.writeHead(code, { "content-type": "application/json; charset=UTF-8", ...headers });
  res.end(JSON.stringify({ error }, null, 2));
}

/** Google's `Invalid JSON payload` refusal, with its `BadRequest` field violations. */
function invalid(res: ServerResponse, message: string, field?: string): void {
  const details = field
    ? [{ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field, description: message }] }]
    : undefined;
  sendError(res, 400, message, details);
}

const METHOD = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/;

function handle(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown, apiKey: string): void {
  const route = METHOD.exec(url.pathname);
  if (req.method !== "POST" || !route) {
    sendError(res, 404, `Method not found: ${req.method} ${url.pathname}`);
    return;
  }
  const key = req.headers["x-goog-api-key"] ?? url.searchParams.get("key");
  if (!key) {
    sendError(
      res,
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
    return;
  }
  if (key !== apiKey) {
    // The real API answers a wrong key with 400, not 401.
    sendError(res, 400, "API key not valid. Please pass a valid API key.", [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "API_KEY_INVALID",
        domain: "googleapis.com",
        metadata: { service: "generativelanguage.googleapis.com" },
      },
    ]);
    return;
  }
  if (!isObject(body)) {
    invalid(res, "Invalid JSON payload received. Expected an object.");
    return;
  }
  const model = decodeURIComponent(route[1]!);
  const method = route[2]!;
  if (method === "embedContent" || method === "batchEmbedContents") {
    embed(res, model, method, body);
    return;
  }
  const problem = checkGenerateRequest(body);
  if (problem) {
    invalid(res, problem.message, problem.field);
    return;
  }
  const stream = method === "streamGenerateContent";
  generate(res, model, body, stream ? (url.searchParams.get("alt") === "sse" ? "sse" : "array") : "json");
}

const REQUEST_FIELDS = new Set([
  "contents",
  "tools",
  "toolConfig",
  "safetySettings",
  "systemInstruction",
  "generationConfig",
  "cachedContent",
]);
const GENERATION_FIELDS = new Set([
  "stopSequences",
  "responseMimeType",
  "responseSchema",
  "responseJsonSchema",
  "responseModalities",
  "candidateCount",
  "maxOutputTokens",
  "temperature",
  "topP",
  "topK",
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "responseLogprobs",
  "logprobs",
  "enableEnhancedCivicAnswers",
  "speechConfig",
  "thinkingConfig",
  "imageConfig",
  "mediaResolution",
]);
const PART_DATA = ["text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult"];
const PART_FIELDS = new Set([...PART_DATA, "thought", "thoughtSignature", "videoMetadata", "partMetadata"]);

function unknownName(object: Json, known: Set<string>, at: string): { message: string; field: string } | undefined {
  for (const name of Object.keys(object)) {
    if (!known.has(name))
      return {
        message: `Invalid JSON payload received. Unknown name "${name}" at '${at}': Cannot find field.`,
        field: at ? `${at}.${name}` : name,
      };
  }
  return undefined;
}

/** The checks the real API makes before generating, with its own wording where known. */
function checkGenerateRequest(body: Json): { message: string; field?: string } | undefined {
  const unknown = unknownName(body, REQUEST_FIELDS, "");
  if (unknown) return unknown;
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0)
    return { message: "* GenerateContentRequest.contents: contents is not specified\n", field: "contents" };
  let callsInLastModelTurn = 0;
  for (let i = 0; i < contents.length; i++) {
    const content: unknown = contents[i];
    const at = `contents[${i}]`;
    if (!isObject(content)) return { message: `Invalid value at '${at}'`, field: at };
    const extra = unknownName(content, new Set(["role", "parts"]), at);
    if (extra) return extra;
    if (content.role !== undefined && content.role !== "user" && content.role !== "model") {
      return { message: `Please use a valid role: user, model.`, field: `${at}.role` };
    }
    const parts = content.parts;
    if (!Array.isArray(parts) || parts.length === 0)
      return { message: `* GenerateContentRequest.${at}.parts: contents.parts must not be empty.\n`, field: `${at}.parts` };
    let responses = 0;
    for (let j = 0; j < parts.length; j++) {
      const part: unknown = parts[j];
      const partAt = `${at}.parts[${j}]`;
      if (!isObject(part)) return { message: `Invalid value at '${partAt}'`, field: partAt };
      const partExtra = unknownName(part, PART_FIELDS, partAt);
      if (partExtra) return partExtra;
      const data = PART_DATA.filter((name) => part[name] !== undefined);
      if (data.length !== 1)
        return {
          message: `* GenerateContentRequest.${partAt}.data: required oneof field 'data' must have one initialized field\n`,
          field: `${partAt}.data`,
        };
      const inline = part.inlineData;
      if (
        inline !== undefined &&
        (!isObject(inline) ||
          typeof inline.mimeType !== "string" ||
          typeof inline.data !== "string" ||
          !/^[A-Za-z0-9+/_-]*=*$/.test(inline.data))
      ) {
        return { message: `Invalid value at '${partAt}.inline_data' (data): Base64 decoding failed`, field: `${partAt}.inlineData` };
      }
      const file = part.fileData;
      if (file !== undefined && (!isObject(file) || typeof file.fileUri !== "string" || typeof file.mimeType !== "string")) {
        return {
          message: `* GenerateContentRequest.${partAt}.file_data: file_uri and mime_type are required\n`,
          field: `${partAt}.fileData`,
        };
      }
      const call = part.functionCall;
      if (call !== undefined && (!isObject(call) || typeof call.name !== "string" || (call.args !== undefined && !isObject(call.args)))) {
        return {
          message: `* GenerateContentRequest.${partAt}.function_call: name is required and args must be an object\n`,
          field: `${partAt}.functionCall`,
        };
      }
      const answer = part.functionResponse;
      if (answer !== undefined) {
        if (!isObject(answer) || typeof answer.name !== "string" || !isObject(answer.response)) {
          return {
            message: `* GenerateContentRequest.${partAt}.function_response: name and response (an object) are required\n`,
            field: `${partAt}.functionResponse`,
          };
        }
        responses++;
      }
    }
    if (responses > 0 && responses !== callsInLastModelTurn) {
      return {
        message:
          "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.",
        field: at,
      };
    }
    if (content.role === "model") callsInLastModelTurn = parts.filter((part) => isObject(part) && part.functionCall !== undefined).length;
  }
  const system = body.systemInstruction;
  if (
    system !== undefined &&
    (!isObject(system) || !Array.isArray(system.parts) || !system.parts.every((p) => isObject(p) && typeof p.text === "string"))
  ) {
    return { message: "* GenerateContentRequest.system_instruction: parts must be text\n", field: "systemInstruction" };
  }
  const config = body.generationConfig;
  if (config !== undefined) {
    if (!isObject(config)) return { message: "Invalid value at 'generation_config'", field: "generationConfig" };
    const extra = unknownName(config, GENERATION_FIELDS, "generation_config");
    if (extra) return extra;
    if (config.responseSchema !== undefined && config.responseJsonSchema !== undefined) {
      return { message: "responseSchema and responseJsonSchema cannot both be set.", field: "generationConfig.responseJsonSchema" };
    }
    if (
      (config.responseSchema !== undefined || config.responseJsonSchema !== undefined) &&
      config.responseMimeType !== "application/json"
    ) {
      return { message: "A response schema needs responseMimeType application/json.", field: "generationConfig.responseMimeType" };
    }
  }
  const tools = body.tools;
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return { message: "Invalid value at 'tools'", field: "tools" };
    for (const [i, tool] of tools.entries()) {
      const declarations = isObject(tool) ? tool.functionDeclarations : undefined;
      if (declarations === undefined) continue;
      if (!Array.isArray(declarations))
        return { message: `Invalid value at 'tools[${i}].function_declarations'`, field: `tools[${i}].functionDeclarations` };
      for (const [j, declaration] of declarations.entries()) {
        const at = `tools[${i}].function_declarations[${j}]`;
        if (!isObject(declaration) || typeof declaration.name !== "string" || !/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/.test(declaration.name)) {
          return { message: `* GenerateContentRequest.${at}.name: Invalid function name.\n`, field: at };
        }
        const extra = unknownName(
          declaration,
          new Set(["name", "description", "parameters", "parametersJsonSchema", "response", "responseJsonSchema", "behavior"]),
          at,
        );
        if (extra) return extra;
        if (declaration.parameters !== undefined && declaration.parametersJsonSchema !== undefined) {
          return { message: `* GenerateContentRequest.${at}: parameters and parameters_json_schema cannot both be set\n`, field: at };
        }
      }
    }
  }
  const calling = isObject(body.toolConfig) ? body.toolConfig.functionCallingConfig : undefined;
  if (isObject(calling)) {
    if (calling.mode !== undefined && !["AUTO", "ANY", "NONE", "VALIDATED"].includes(String(calling.mode))) {
      return {
        message: `Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), "${String(calling.mode)}"`,
        field: "toolConfig.functionCallingConfig.mode",
      };
    }
    if (calling.allowedFunctionNames !== undefined && calling.mode !== "ANY" && calling.mode !== "VALIDATED") {
      return {
        message: "allowed_function_names may be set only when the mode is ANY.",
        field: "toolConfig.functionCallingConfig.allowedFunctionNames",
      };
    }
  }
  return undefined;
}

/** All text of the request's contents and system instruction. */
function allText(body: Json): string {
  const texts: string[] = [];
  const collect = (content: unknown) => {
    if (!isObject(content) || !Array.isArray(content.parts)) return;
    for (const part of content.parts) if (isObject(part) && typeof part.text === "string") texts.push(part.text);
  };
  collect(body.systemInstruction);
  for (const content of body.contents as unknown[]) collect(content);
  return texts.join(" ");
}

function lastUserText(body: Json): string {
  const contents = body.contents as Json[];
  for (let i = contents.length - 1; i >= 0; i--) {
    const content = contents[i]!;
    if (content.role === "model") continue;
    const texts = (content.parts as Json[]).filter((part) => typeof part.text === "string").map((part) => part.text as string);
    if (texts.length > 0) return texts.join("");
  }
  return "";
}

function firstToolName(body: Json): string | undefined {
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    const declarations = isObject(tool) && Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : [];
    for (const declaration of declarations) if (isObject(declaration) && typeof declaration.name === "string") return declaration.name;
  }
  return undefined;
}

const responseId = (body: Json): string => createHash("sha256").update(JSON.stringify(body)).digest("base64url").slice(0, 22);

function usage(prompt: number, candidates: number | undefined): Json {
  const result: Json = {
    promptTokenCount: prompt,
    totalTokenCount: prompt + (candidates ?? 0),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }],
  };
  if (candidates !== undefined) result.candidatesTokenCount = candidates;
  return result;
}

type Mode = "json" | "sse" | "array";

/** A `status-<n>` refusal: Google's error body (with RetryInfo on 429) mentioning LEAK_MARKER. */
function sendStatus(res: ServerResponse, code: number): void {
  const retry = code === 429;
  sendError(
    res,
    code,
    `fake gemini refuses with ${code} for key ${LEAK_MARKER}`,
    retry ? [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "7s" }] : undefined,
    retry ? { "retry-after": "7" } : {},
  );
}

function generate(res: ServerResponse, model: string, body: Json, mode: Mode): void {
  const behaviour = behaviourOf(model);
  if (behaviour.name === "status") {
    sendStatus(res, behaviour.status);
    return;
  }
  if (model === "context-length") {
    sendError(res, 400, "The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).");
    return;
  }
  const prompt = countWords(allText(body));
  const id = responseId(body);
  const base = { modelVersion: model, responseId: id };
  if (model === "blocked") {
    const blocked = {
      promptFeedback: {
        blockReason: "SAFETY",
        safetyRatings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }],
      },
      usageMetadata: usage(prompt, undefined),
      ...base,
    };
    send(res, mode, [blocked]);
    return;
  }

  const frames: Json[] = [];
  const text = lastUserText(body);
  const tool = model === "tool" ? firstToolName(body) : undefined;
  if (tool) {
    const part = { functionCall: { name: tool, args: JSON.parse(toolArguments(text)) as Json } };
    frames.push({
      candidates: [{ content: { parts: [part], role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: usage(prompt, 5),
      ...base,
    });
  } else if (mode === "json") {
    frames.push({
      candidates: [{ content: { parts: [{ text }], role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: usage(prompt, countWords(text)),
      ...base,
    });
  } else {
    // Streamed: a frame per word (with its trailing space), the finish reason and final counts on the last.
    const pieces = wordsOf(text).length > 0 ? wordsOf(text) : [""];
    let sent = 0;
    pieces.forEach((piece, i) => {
      const last = i === pieces.length - 1;
      sent += countWords(piece);
      frames.push({
        candidates: [{ content: { parts: [{ text: piece }], role: "model" }, ...(last ? { finishReason: "STOP" } : {}), index: 0 }],
        usageMetadata: usage(prompt, last ? countWords(text) : sent),
        ...base,
      });
    });
  }

  if (model === "hang" || model === "mid-stream-error") {
    res.writeHead(200, headersFor(mode));
    res.flushHeaders();
    if (mode !== "json") res.write(frameText(mode, frames[0]!, true));
    // mid-stream-error: the connection closes mid-answer, as Gemini's streams fail; hang: silence.
    if (model === "mid-stream-error") setTimeout(() => res.socket?.destroy(), 10);
    return;
  }
  send(res, mode, frames);
}

function headersFor(mode: Mode): Record<string, string> {
  return mode === "sse"
    ? { "content-type": "text/event-stream", "x-content-type-options": "nosniff", "cache-control": "no-cache" }
    : { "content-type": "application/json; charset=UTF-8", "x-content-type-options": "nosniff" };
}

/** One frame as the mode writes it: an SSE event, or an element of the streamed JSON array. */
function frameText(mode: Mode, frame: Json, first: boolean): string {
  if (mode === "sse") return `data: ${JSON.stringify(frame)}\r\n\r\n`;
  return `${first ? "[" : ",\r\n"}${JSON.stringify(frame)}`;
}

function send(res: ServerResponse, mode: Mode, frames: Json[]): void {
  res.writeHead(200, headersFor(mode));
  if (mode === "json") {
    res.end(JSON.stringify(frames[0]));
    return;
  }
  frames.forEach((frame, i) => res.write(frameText(mode, frame, i === 0)));
  res.end(mode === "array" ? "]" : undefined);
}

/** Deterministic unit-free values from the text, `dimensions` of them. */
function vector(text: string, dimensions: number): number[] {
  const digest = createHash("sha256").update(text).digest();
  return Array.from({ length: dimensions }, (_, i) => Math.round(((digest[i % digest.length]! / 255) * 2 - 1) * 1e6) / 1e6);
}

const EMBED_FIELDS = new Set(["model", "content", "taskType", "title", "outputDimensionality"]);

function embedding(res: ServerResponse, request: unknown, model: string, at: string): { values: number[] } | undefined {
  if (!isObject(request)) {
    invalid(res, `Invalid value at '${at}'`, at);
    return undefined;
  }
  const extra = unknownName(request, EMBED_FIELDS, at);
  if (extra) {
    invalid(res, extra.message, extra.field);
    return undefined;
  }
  if (request.model !== undefined && request.model !== `models/${model}`) {
    invalid(
      res,
      `* BatchEmbedContentsRequest.${at}.model: model in each request must match the model of the batch (models/${model})\n`,
      `${at}.model`,
    );
    return undefined;
  }
  const content = request.content;
  const parts = isObject(content) && Array.isArray(content.parts) ? content.parts : undefined;
  if (!parts || parts.length === 0 || !parts.every((part) => isObject(part) && typeof part.text === "string")) {
    invalid(res, `* ${at}.content.parts: text parts are required\n`, `${at}.content`);
    return undefined;
  }
  const dimensions = request.outputDimensionality;
  if (
    dimensions !== undefined &&
    (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > 3072)
  ) {
    invalid(res, `* ${at}.output_dimensionality: must be between 1 and 3072\n`, `${at}.outputDimensionality`);
    return undefined;
  }
  return { values: vector(parts.map((part) => (part as Json).text).join(""), (dimensions as number | undefined) ?? 8) };
}

function embed(res: ServerResponse, model: string, method: string, body: Json): void {
  const behaviour = behaviourOf(model);
  if (behaviour.name === "status") {
    sendStatus(res, behaviour.status);
    return;
  }
  let answer: Json;
  if (method === "embedContent") {
    const one = embedding(res, body, model, "");
    if (!one) return;
    answer = { embedding: one };
  } else {
    const extra = unknownName(body, new Set(["requests"]), "");
    if (extra || !Array.isArray(body.requests) || body.requests.length === 0) {
      invalid(res, extra?.message ?? "* BatchEmbedContentsRequest.requests: requests is not specified\n", "requests");
      return;
    }
    const embeddings: Json[] = [];
    for (const [i, request] of body.requests.entries()) {
      const one = embedding(res, request, model, `requests[${i}]`);
      if (!one) return;
      embeddings.push(one);
    }
    answer = { embeddings };
  }
  res.writeHead(200, { "content-type": "application/json; charset=UTF-8" });
  res.end(JSON.stringify(answer));
}
