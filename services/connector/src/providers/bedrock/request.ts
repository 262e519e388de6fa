import { GatewayError } from "@switchyard/errors";
import type { ChatMessageJson, ChatRequestJson, EmbeddingsRequestJson, JsonObject } from "../types.js";

/** Bedrock's Converse content block (the members the gateway sends; exactly one is set). */
export type ConverseContentBlock =
  | { text: string }
  | { image: { format: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: ({ text: string } | { json: unknown })[] } };

export interface ConverseMessage {
  role: "user" | "assistant";
  content: ConverseContentBlock[];
}

/** The body of `POST /model/{modelId}/converse` (and `converse-stream`): the model is in the path. */
export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: { text: string }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: {
    tools: { toolSpec: { name: string; description?: string; inputSchema: { json: unknown } } }[];
    toolChoice?: { auto: JsonObject } | { any: JsonObject } | { tool: { name: string } };
  };
}

/** Image formats Converse takes, by the media type of a data URL. */
const IMAGE_FORMATS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

const DATA_URL = /^data:([^;,]+);base64,/;

/** The Converse body for an OpenAI chat request. Anything Converse cannot say is a 400 naming the field. */
export function toConverseRequest(request: ChatRequestJson): ConverseRequest {
  if (typeof request.n === "number" && request.n > 1) invalid("Bedrock answers with one choice; n must be 1", "n");
  const system: { text: string }[] = [];
  const messages: ConverseMessage[] = [];
  const input = request.messages ?? [];
  for (let i = 0; i < input.length; i++) {
    const message = input[i]!;
    switch (message.role) {
      case "system":
      case "developer":
        for (const text of textsOf(message, i)) system.push({ text });
        break;
      case "user":
        append(messages, "user", userContent(message, i));
        break;
      case "assistant":
        append(messages, "assistant", assistantContent(message, i));
        break;
      case "tool":
        append(messages, "user", [toolResult(message, i)]);
        break;
      default:
        invalid(`messages[${i}].role "${String(message.role)}" is not supported by Bedrock`, `messages[${i}].role`);
    }
  }

  const body: ConverseRequest = { messages };
  if (system.length > 0) body.system = system;
  const inferenceConfig = inferenceConfigOf(request);
  if (inferenceConfig) body.inferenceConfig = inferenceConfig;
  const toolConfig = toolConfigOf(request, messages);
  if (toolConfig) body.toolConfig = toolConfig;
  return body;
}

/**
 * Converse wants user and assistant turns to alternate, and tool results in a user turn: a tool
 * message after another user-side message (or a user message after tool results) joins that turn.
 */
function append(messages: ConverseMessage[], role: "user" | "assistant", content: ConverseContentBlock[]): void {
  if (content.length === 0) return;
  const last = messages[messages.length - 1];
  if (last && last.role === role) last.content.push(...content);
  else messages.push({ role, content });
}

function userContent(message: ChatMessageJson, index: number): ConverseContentBlock[] {
  const content = message.content;
  if (typeof content === "string") return [{ text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: ConverseContentBlock[] = [];
  for (let p = 0; p < content.length; p++) {
    const part = content[p]!;
    if (part.type === "text" && typeof part.text === "string") blocks.push({ text: part.text });
    else if (part.type === "image_url") blocks.push(imageBlock(part.image_url, `messages[${index}].content[${p}].image_url`));
    else
      invalid(
        `messages[${index}].content[${p}] of type "${String(part.type)}" is not supported by Bedrock`,
        `messages[${index}].content[${p}].type`,
      );
  }
  return blocks;
}

/** Converse takes image bytes only: a data URL is decoded by Bedrock from base64, an http URL cannot be fetched. */
function imageBlock(imageUrl: unknown, param: string): ConverseContentBlock {
  const url = typeof imageUrl === "string" ? imageUrl : isObject(imageUrl) && typeof imageUrl.url === "string" ? imageUrl.url : "";
  const match = DATA_URL.exec(url);
  if (!match) invalid("Bedrock takes images only as base64 data URLs (data:image/png;base64,…), not links", param);
  const format = IMAGE_FORMATS[match[1]!.toLowerCase()];
  if (!format) invalid(`Bedrock does not take images of type ${match[1]}; use png, jpeg, gif or webp`, param);
  return { image: { format, source: { bytes: url.slice(match[0].length) } } };
}

function assistantContent(message: ChatMessageJson, index: number): ConverseContentBlock[] {
  const blocks: ConverseContentBlock[] = textsOf(message, index).map((text) => ({ text }));
  const calls = message.tool_calls;
  if (Array.isArray(calls)) {
    for (let c = 0; c < calls.length; c++) {
      const call = calls[c] as JsonObject;
      const fn = isObject(call.function) ? call.function : {};
      const param = `messages[${index}].tool_calls[${c}]`;
      if (typeof call.id !== "string" || typeof fn.name !== "string") invalid(`${param} needs an id and a function name`, param);
      blocks.push({ toolUse: { toolUseId: call.id, name: fn.name, input: toolArguments(fn.arguments, `${param}.function.arguments`) } });
    }
  }
  return blocks;
}

/** Converse carries a tool call's input as a JSON object, OpenAI as the text of one. */
function toolArguments(text: unknown, param: string): unknown {
  if (text === undefined || text === "") return {};
  if (typeof text !== "string") invalid("tool call arguments must be a JSON string", param);
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) return value;
  } catch {
    // Reported below.
  }
  return invalid("tool call arguments must be the text of a JSON object for Bedrock", param);
}

function toolResult(message: ChatMessageJson, index: number): ConverseContentBlock {
  if (typeof message.tool_call_id !== "string")
    invalid(`messages[${index}] (role tool) needs a tool_call_id`, `messages[${index}].tool_call_id`);
  const content: ({ text: string } | { json: unknown })[] = [];
  for (const text of textsOf(message, index)) {
    const json = jsonObjectIn(text);
    content.push(json === undefined ? { text } : { json });
  }
  return { toolResult: { toolUseId: message.tool_call_id, content } };
}

/** A tool's answer that is a JSON object goes as `json` (the model reads it as data), anything else as text. */
function jsonObjectIn(text: string): JsonObject | undefined {
  const first = text.trimStart()[0];
  if (first !== "{") return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The texts of a message whose content is a string or text parts (system, assistant, tool). */
function textsOf(message: ChatMessageJson, index: number): string[] {
  const content = message.content;
  if (typeof content === "string") return content === "" ? [] : [content];
  if (!Array.isArray(content)) return [];
  return content.map((part, p) => {
    if (part.type !== "text" || typeof part.text !== "string") {
      invalid(
        `messages[${index}].content[${p}]: a ${message.role} message takes only text parts on Bedrock`,
        `messages[${index}].content[${p}]`,
      );
    }
    return part.text;
  });
}

function inferenceConfigOf(request: ChatRequestJson): ConverseRequest["inferenceConfig"] {
  const config: NonNullable<ConverseRequest["inferenceConfig"]> = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") config.maxTokens = maxTokens;
  if (typeof request.temperature === "number") config.temperature = request.temperature;
  if (typeof request.top_p === "number") config.topP = request.top_p;
  const stop = request.stop;
  if (typeof stop === "string") config.stopSequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) config.stopSequences = stop.filter((s): s is string => typeof s === "string");
  for (const _ in config) return config;
  return undefined;
}

function toolConfigOf(request: ChatRequestJson, messages: ConverseMessage[]): ConverseRequest["toolConfig"] {
  const declared = Array.isArray(request.tools) ? (request.tools as JsonObject[]) : [];
  if (declared.length === 0) return undefined;
  const tools = declared.map((tool, t) => {
    const fn = isObject(tool.function) ? tool.function : undefined;
    if (tool.type !== "function" || !fn || typeof fn.name !== "string")
      invalid(`tools[${t}] must be a function with a name`, `tools[${t}]`);
    const spec: { name: string; description?: string; inputSchema: { json: unknown } } = {
      name: fn.name,
      inputSchema: { json: isObject(fn.parameters) ? fn.parameters : { type: "object", properties: {} } },
    };
    if (typeof fn.description === "string") spec.description = fn.description;
    return { toolSpec: spec };
  });

  const choice = request.tool_choice;
  if (choice === undefined || choice === null || choice === "auto") return { tools, toolChoice: { auto: {} } };
  if (choice === "required") return { tools, toolChoice: { any: {} } };
  if (choice === "none") {
    // Converse has no "none": leave the tools out, unless the conversation already holds tool
    // blocks, which Bedrock accepts only with the tools declared.
    const hasToolBlocks = messages.some((m) => m.content.some((b) => "toolUse" in b || "toolResult" in b));
    return hasToolBlocks ? { tools } : undefined;
  }
  if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === "string") {
    return { tools, toolChoice: { tool: { name: choice.function.name } } };
  }
  return invalid('tool_choice must be "auto", "required", "none" or {"type":"function","function":{"name":…}}', "tool_choice");
}

/** Bedrock's embedding models each take their own InvokeModel body; the family is in the model id. */
export type EmbeddingFamily = "titan" | "cohere";

export function embeddingFamilyOf(model: string): EmbeddingFamily | undefined {
  // Cross-region inference profiles prefix the model id with a region group ("us.cohere.embed-…").
  const id = model.replace(/^(us|eu|apac|us-gov|global)\./, "");
  if (id.startsWith("amazon.titan-embed")) return "titan";
  if (id.startsWith("cohere.embed")) return "cohere";
  return undefined;
}

/** The texts of an embeddings request: `input` is a string or an array of strings (token arrays are OpenAI's own). */
export function embeddingInputs(request: EmbeddingsRequestJson): string[] {
  const input = request.input;
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === "string")) return input as string[];
  return invalid("Bedrock embeds text: input must be a string or an array of strings", "input");
}

/** Titan takes one text per call: one body per input. */
export function titanEmbeddingBodies(request: EmbeddingsRequestJson): JsonObject[] {
  const dimensions = typeof request.dimensions === "number" ? request.dimensions : undefined;
  return embeddingInputs(request).map((inputText) => (dimensions === undefined ? { inputText } : { inputText, dimensions }));
}

/** Cohere takes a list of texts per call; the gateway's embeddings are for stored documents. */
export function cohereEmbeddingBody(texts: string[]): JsonObject {
  return { texts, input_type: "search_document" };
}

function invalid(message: string, param: string): never {
  throw new GatewayError("invalid_request", message, { param });
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
