import { GatewayError } from "@switchyard/errors";
import type { ChatMessageJson, ChatRequestJson, EmbeddingsRequestJson, JsonObject } from "../types.js";

/** Gemini's `Part`: one of text, inline bytes, a file reference, a function call or its response. */
export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType: string; fileUri: string };
  functionCall?: { name: string; args?: JsonObject; id?: string };
  functionResponse?: { name: string; response: JsonObject; id?: string };
  [key: string]: unknown;
}

export interface GeminiContent {
  role?: "user" | "model";
  parts: GeminiPart[];
}

export interface GeminiChatBody {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiPart[] };
  tools?: { functionDeclarations: JsonObject[] }[];
  toolConfig?: { functionCallingConfig: { mode: "AUTO" | "ANY" | "NONE"; allowedFunctionNames?: string[] } };
  generationConfig?: JsonObject;
}

/** Tool call ids the gateway makes up when Gemini sends none; the index counts calls within one answer. */
const SYNTHETIC_ID = /^call_\d+$/;
export const syntheticCallId = (index: number): string => `call_${index}`;

/**
 * The OpenAI chat request as a Gemini `generateContent` body. The model travels in the URL, not
 * the body. Input Gemini cannot take becomes a 400 naming the field, not an upstream error.
 */
export function toGeminiChatBody(request: ChatRequestJson): GeminiChatBody {
  const messages = request.messages;
  if (!Array.isArray(messages)) throw invalid("messages must be an array", "messages");
  const contents: GeminiContent[] = [];
  const system: GeminiPart[] = [];
  /** Function name of each tool call id seen so far: a tool message names only the id, Gemini wants the name. */
  const callNames = new Map<string, string>();

  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const where = `messages[${i}]`;
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...textParts(message.content, where));
        break;
      case "user":
        contents.push({ role: "user", parts: userParts(message.content, where) });
        break;
      case "assistant": {
        const parts = assistantParts(message, where, callNames);
        // Gemini refuses a content without parts; an empty assistant turn says nothing anyway.
        if (parts.length > 0) contents.push({ role: "model", parts });
        break;
      }
      case "tool": {
        const part = functionResponsePart(message, where, callNames);
        // Gemini wants every answer to one turn's calls in one content, as many parts as calls.
        const last = contents[contents.length - 1];
        if (last?.role === "user" && last.parts.every((p) => p.functionResponse)) last.parts.push(part);
        else contents.push({ role: "user", parts: [part] });
        break;
      }
      default:
        throw invalid(`role ${JSON.stringify(message.role)} is not supported by Gemini`, `${where}.role`);
    }
  }

  const body: GeminiChatBody = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  const declarations = functionDeclarations(request.tools);
  if (declarations) body.tools = [{ functionDeclarations: declarations }];
  const toolConfig = functionCallingConfig(request.tool_choice);
  if (toolConfig) body.toolConfig = { functionCallingConfig: toolConfig };
  const generationConfig = generationConfigOf(request);
  if (generationConfig) body.generationConfig = generationConfig;
  return body;
}

function generationConfigOf(request: ChatRequestJson): JsonObject | undefined {
  const config: JsonObject = {};
  setNumber(config, "temperature", request.temperature, "temperature");
  setNumber(config, "topP", request.top_p, "top_p");
  setNumber(
    config,
    "maxOutputTokens",
    request.max_completion_tokens ?? request.max_tokens,
    request.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens",
  );
  setNumber(config, "candidateCount", request.n, "n");
  setNumber(config, "presencePenalty", request.presence_penalty, "presence_penalty");
  setNumber(config, "frequencyPenalty", request.frequency_penalty, "frequency_penalty");
  setNumber(config, "seed", request.seed, "seed");
  const stop = request.stop;
  if (typeof stop === "string") config.stopSequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) {
    if (!stop.every((s) => typeof s === "string")) throw invalid("stop must be a string or an array of strings", "stop");
    config.stopSequences = stop;
  } else if (stop != null && !Array.isArray(stop)) throw invalid("stop must be a string or an array of strings", "stop");

  const format = request.response_format;
  if (format != null) {
    if (!isObject(format)) throw invalid("response_format must be an object", "response_format");
    if (format.type === "json_object") config.responseMimeType = "application/json";
    else if (format.type === "json_schema") {
      const spec = format.json_schema;
      if (!isObject(spec) || !isObject(spec.schema))
        throw invalid("response_format.json_schema.schema must be an object", "response_format.json_schema");
      config.responseMimeType = "application/json";
      // responseJsonSchema takes JSON Schema as OpenAI does; responseSchema would need OpenAPI's subset.
      config.responseJsonSchema = spec.schema;
    } else if (format.type !== "text")
      throw invalid(`response_format type ${JSON.stringify(format.type)} is not supported by Gemini`, "response_format.type");
  }
  return Object.keys(config).length > 0 ? config : undefined;
}

function setNumber(config: JsonObject, key: string, value: unknown, param: string): void {
  if (value == null) return;
  if (typeof value !== "number" || !Number.isFinite(value)) throw invalid(`${param} must be a number`, param);
  config[key] = value;
}

function functionDeclarations(tools: unknown): JsonObject[] | undefined {
  if (tools == null) return undefined;
  if (!Array.isArray(tools)) throw invalid("tools must be an array", "tools");
  if (tools.length === 0) return undefined;
  return tools.map((tool, i) => {
    if (!isObject(tool) || tool.type !== "function" || !isObject(tool.function) || typeof tool.function.name !== "string") {
      throw invalid("Gemini takes only function tools with a name", `tools[${i}]`);
    }
    const fn = tool.function;
    const declaration: JsonObject = { name: fn.name };
    if (typeof fn.description === "string") declaration.description = fn.description;
    // parametersJsonSchema takes the client's JSON Schema as is (`parameters` is OpenAPI's subset).
    if (isObject(fn.parameters)) declaration.parametersJsonSchema = fn.parameters;
    return declaration;
  });
}

type CallingConfig = NonNullable<GeminiChatBody["toolConfig"]>["functionCallingConfig"];

function functionCallingConfig(choice: unknown): CallingConfig | undefined {
  if (choice == null) return undefined;
  if (choice === "auto") return { mode: "AUTO" };
  if (choice === "none") return { mode: "NONE" };
  if (choice === "required") return { mode: "ANY" };
  if (isObject(choice)) {
    if (choice.type === "function" && isObject(choice.function) && typeof choice.function.name === "string") {
      return { mode: "ANY", allowedFunctionNames: [choice.function.name] };
    }
    if (choice.type === "allowed_tools" && isObject(choice.allowed_tools) && Array.isArray(choice.allowed_tools.tools)) {
      const names = choice.allowed_tools.tools.map((tool) => (isObject(tool) && isObject(tool.function) ? tool.function.name : undefined));
      if (names.every((name): name is string => typeof name === "string")) {
        // Gemini restricts the callable functions only in ANY mode.
        if (choice.allowed_tools.mode === "required") return { mode: "ANY", allowedFunctionNames: names };
        if (choice.allowed_tools.mode === "auto") return { mode: "AUTO" };
      }
    }
  }
  throw invalid("tool_choice must be auto, none, required or name a function", "tool_choice");
}

function textParts(content: ChatMessageJson["content"], where: string): GeminiPart[] {
  if (content == null) return [];
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw invalid("content must be a string or an array of parts", `${where}.content`);
  return content.map((part, j) => {
    if (part.type !== "text" || typeof part.text !== "string") throw invalid("only text parts are allowed here", `${where}.content[${j}]`);
    return { text: part.text };
  });
}

function userParts(content: ChatMessageJson["content"], where: string): GeminiPart[] {
  if (typeof content === "string") return [{ text: content }];
  if (!Array.isArray(content)) throw invalid("content must be a string or an array of parts", `${where}.content`);
  return content.map((part, j) => {
    const at = `${where}.content[${j}]`;
    switch (part.type) {
      case "text":
        if (typeof part.text !== "string") throw invalid("a text part needs text", at);
        return { text: part.text };
      case "image_url": {
        const url = isObject(part.image_url) ? part.image_url.url : undefined;
        if (typeof url !== "string") throw invalid("an image_url part needs image_url.url", at);
        return mediaPart(url, `${at}.image_url.url`);
      }
      case "input_audio": {
        const audio = isObject(part.input_audio) ? part.input_audio : undefined;
        if (!audio || typeof audio.data !== "string" || typeof audio.format !== "string")
          throw invalid("an input_audio part needs data and format", at);
        return { inlineData: { mimeType: `audio/${audio.format}`, data: audio.data } };
      }
      case "file": {
        const file = isObject(part.file) ? part.file : undefined;
        if (!file || typeof file.file_data !== "string") throw invalid("Gemini takes a file part only as file_data (a data URL)", at);
        return mediaPart(file.file_data, `${at}.file.file_data`);
      }
      default:
        throw invalid(`content part type ${JSON.stringify(part.type)} is not supported by Gemini`, at);
    }
  });
}

/**
 * A data URL becomes inline bytes; an https (or gs://) URL becomes a file reference Gemini fetches
 * itself (it takes public and signed https URLs), which needs a media type: guessed from the name.
 */
function mediaPart(url: string, param: string): GeminiPart {
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    const header = comma < 0 ? "" : url.slice(5, comma);
    const [mimeType, ...flags] = header.split(";");
    if (comma < 0 || !mimeType) throw invalid("the data URL has no media type", param);
    const payload = url.slice(comma + 1);
    const data = flags.includes("base64") ? payload : Buffer.from(decodeURIComponent(payload)).toString("base64");
    return { inlineData: { mimeType, data } };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid("the URL is neither a data URL nor an absolute URL", param);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "gs:") {
    throw invalid("Gemini fetches files only from https:// (or gs://) URLs; send other files as data URLs", param);
  }
  const mimeType = mimeTypeOf(parsed.pathname);
  if (!mimeType)
    throw invalid(
      "Gemini needs the file's media type and the URL's name does not tell it (use a data URL, or a name ending in .png, .jpg, .webp, .pdf…)",
      param,
    );
  return { fileData: { mimeType, fileUri: url } };
}

const MIME_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
  bmp: "image/bmp",
  pdf: "application/pdf",
  mp3: "audio/mp3",
  wav: "audio/wav",
  flac: "audio/flac",
  ogg: "audio/ogg",
  mp4: "video/mp4",
  txt: "text/plain",
};

export function mimeTypeOf(pathname: string): string | undefined {
  const dot = pathname.lastIndexOf(".");
  if (dot < 0 || dot < pathname.lastIndexOf("/")) return undefined;
  return MIME_TYPES[pathname.slice(dot + 1).toLowerCase()];
}

function assistantParts(message: ChatMessageJson, where: string, callNames: Map<string, string>): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const content = message.content;
  if (typeof content === "string") {
    if (content !== "") parts.push({ text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part, j) => {
      if (part.type === "text" && typeof part.text === "string") parts.push({ text: part.text });
      else if (part.type === "refusal" && typeof part.refusal === "string") parts.push({ text: part.refusal });
      else throw invalid("an assistant message takes only text and refusal parts", `${where}.content[${j}]`);
    });
  } else if (content != null) throw invalid("content must be a string or an array of parts", `${where}.content`);

  const calls = message.tool_calls;
  if (calls != null) {
    if (!Array.isArray(calls)) throw invalid("tool_calls must be an array", `${where}.tool_calls`);
    calls.forEach((call: unknown, j) => {
      const at = `${where}.tool_calls[${j}]`;
      if (!isObject(call) || !isObject(call.function) || typeof call.function.name !== "string")
        throw invalid("a tool call needs function.name", at);
      const name = call.function.name;
      const args = parseArguments(call.function.arguments, `${at}.function.arguments`);
      const part: GeminiPart = { functionCall: { name, args } };
      if (typeof call.id === "string") {
        callNames.set(call.id, name);
        // An id Gemini made travels back; one the gateway made up means nothing to Gemini.
        if (!SYNTHETIC_ID.test(call.id)) part.functionCall!.id = call.id;
      }
      const signature = thoughtSignatureOf(call);
      if (signature) part.thoughtSignature = signature;
      parts.push(part);
    });
  }
  return parts;
}

/** Gemini 3 wants the signature of each function call back; it travels as Google's own OpenAI layer carries it. */
export function thoughtSignatureOf(call: JsonObject): string | undefined {
  const extra = call.extra_content;
  const google = isObject(extra) ? extra.google : undefined;
  return isObject(google) && typeof google.thought_signature === "string" ? google.thought_signature : undefined;
}

function parseArguments(text: unknown, param: string): JsonObject {
  if (text == null || text === "") return {};
  if (typeof text !== "string") throw invalid("function arguments must be a JSON string", param);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid("function arguments are not valid JSON", param);
  }
  if (!isObject(value)) throw invalid("function arguments must be a JSON object", param);
  return value;
}

function functionResponsePart(message: ChatMessageJson, where: string, callNames: Map<string, string>): GeminiPart {
  const id = message.tool_call_id;
  if (typeof id !== "string") throw invalid("a tool message needs tool_call_id", `${where}.tool_call_id`);
  const name = callNames.get(id);
  if (!name)
    throw invalid(`tool_call_id ${JSON.stringify(id)} answers no tool call of an earlier assistant message`, `${where}.tool_call_id`);
  const text = textParts(message.content, where)
    .map((part) => part.text)
    .join("");
  const part: GeminiPart = { functionResponse: { name, response: functionResponse(text) } };
  if (!SYNTHETIC_ID.test(id)) part.functionResponse!.id = id;
  return part;
}

/** Gemini takes the result as an object: a JSON object as is, anything else under `output` (its documented key). */
function functionResponse(text: string): JsonObject {
  if (text.startsWith("{")) {
    try {
      const value: unknown = JSON.parse(text);
      if (isObject(value)) return value;
    } catch {
      // Not JSON after all: plain output.
    }
  }
  return { output: text };
}

/** One input → `embedContent`; several → `batchEmbedContents`. Gemini embeds text only. */
export function toGeminiEmbeddings(
  request: EmbeddingsRequestJson,
  model: string,
): { method: "embedContent" | "batchEmbedContents"; body: JsonObject; texts: string[] } {
  const input = request.input;
  const texts =
    typeof input === "string"
      ? [input]
      : Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === "string")
        ? (input as string[])
        : undefined;
  if (!texts) throw invalid("Gemini embeds text only: input must be a string or an array of strings", "input");
  const dimensions = request.dimensions;
  if (dimensions != null && (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1))
    throw invalid("dimensions must be a positive integer", "dimensions");
  const one = (text: string): JsonObject => ({
    content: { parts: [{ text }] },
    ...(dimensions != null ? { outputDimensionality: dimensions } : {}),
  });
  if (texts.length === 1) return { method: "embedContent", body: one(texts[0]!), texts };
  return { method: "batchEmbedContents", body: { requests: texts.map((text) => ({ model: modelResource(model), ...one(text) })) }, texts };
}

/** The model as Gemini names the resource: `models/<name>` unless already a resource path (tunedModels/…). */
export function modelResource(model: string): string {
  return model.includes("/") ? model : `models/${model}`;
}

function invalid(message: string, param?: string): GatewayError {
  return new GatewayError("invalid_request", message, param === undefined ? {} : { param });
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
