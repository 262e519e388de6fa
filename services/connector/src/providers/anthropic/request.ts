import { GatewayError } from "@switchyard/errors";
import type { ChatMessageJson, ChatRequestJson, JsonObject } from "../types.js";

/**
 * Anthropic requires `max_tokens`; OpenAI clients often send none. 4096 is within every current
 * Claude model's output limit, so a request without one still works on any of them.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * The tool forced on the model to get a `json_schema` answer (Anthropic's Messages API has no
 * response_format). Its input is the answer: the response and stream maps turn it back into text.
 */
export const JSON_TOOL_NAME = "json_response";

export interface AnthropicRequestOptions {
  stream: boolean;
  /** Used when the client sent neither max_tokens nor max_completion_tokens. */
  defaultMaxTokens?: number;
}

/** What the answer's translation must know about how the request was translated. */
export interface AnthropicRequestPlan {
  body: JsonObject;
  /** Set when a json_schema response_format became a forced tool of this name. */
  jsonTool?: string;
}

type Block = JsonObject;
interface Turn {
  role: "user" | "assistant";
  content: Block[];
}

/**
 * The Messages API body for an OpenAI chat request. Only fields the Messages API knows are sent
 * (it refuses unknown ones); OpenAI-only sampling fields with no Anthropic counterpart
 * (frequency/presence penalties, seed, logit_bias, logprobs) are left out. Pure: never changes
 * `request`.
 */
export function toAnthropicRequest(request: ChatRequestJson, model: string, options: AnthropicRequestOptions): AnthropicRequestPlan {
  const messages = request.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw invalid("messages must be a non-empty array", "messages");
  if (typeof request.n === "number" && request.n > 1) throw invalid("anthropic returns one choice per request: n must be 1", "n");

  const system: string[] = [];
  const turns: Turn[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    switch (message.role) {
      case "system":
      case "developer":
        system.push(textOf(message, i));
        break;
      case "user":
        turns.push({ role: "user", content: userBlocks(message, i) });
        break;
      case "assistant": {
        const content = assistantBlocks(message, i);
        // Anthropic refuses an empty turn; an assistant message with nothing in it says nothing.
        if (content.length > 0) turns.push({ role: "assistant", content });
        break;
      }
      case "tool": {
        const result = toolResult(message, i);
        const last = turns.at(-1);
        // Consecutive tool results answer one assistant turn: they go back as one user turn.
        if (last?.role === "user" && last.content.every((block) => block.type === "tool_result")) last.content.push(result);
        else turns.push({ role: "user", content: [result] });
        break;
      }
      default:
        throw invalid(`messages[${i}].role ${JSON.stringify(message.role)} is not supported by anthropic`, `messages[${i}].role`);
    }
  }
  if (turns.length === 0) throw invalid("anthropic needs at least one user or assistant message besides the system ones", "messages");

  const body: JsonObject = {
    model,
    max_tokens: maxTokens(request, options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS),
    messages: turns.map(compactTurn),
  };
  if (system.length > 0) body.system = system.join("\n\n");
  if (options.stream) body.stream = true;
  if (typeof request.temperature === "number") body.temperature = request.temperature;
  if (typeof request.top_p === "number") body.top_p = request.top_p;
  if (typeof request.top_k === "number") body.top_k = request.top_k;
  const stop = stopSequences(request.stop);
  if (stop) body.stop_sequences = stop;
  if (typeof request.user === "string" && request.user !== "") body.metadata = { user_id: request.user };

  const tools = toolDefinitions(request.tools);
  const choice = tools.length > 0 ? toolChoice(request.tool_choice, request.parallel_tool_calls) : undefined;
  const plan: AnthropicRequestPlan = { body };
  const format = request.response_format as JsonObject | null | undefined;
  if (format?.type === "json_schema" && tools.length === 0) {
    // No tools of the client's: a forced tool whose input schema is the wanted one.
    const spec = isObject(format.json_schema) ? format.json_schema : {};
    tools.push({
      name: JSON_TOOL_NAME,
      description: typeof spec.description === "string" ? spec.description : "Answer with a JSON value matching this schema.",
      input_schema: objectSchema(spec.schema),
    });
    body.tool_choice = { type: "tool", name: JSON_TOOL_NAME };
    plan.jsonTool = JSON_TOOL_NAME;
  } else if (format?.type === "json_schema" || format?.type === "json_object") {
    // With the client's own tools (or for json_object), an instruction is the best there is.
    const spec = isObject(format.json_schema) ? format.json_schema : undefined;
    const instruction = spec?.schema
      ? `Respond only with a JSON value that matches this JSON schema, with no other text: ${JSON.stringify(spec.schema)}`
      : "Respond only with a JSON object, with no other text.";
    body.system = body.system ? `${body.system as string}\n\n${instruction}` : instruction;
  }
  if (tools.length > 0) body.tools = tools;
  if (choice && !body.tool_choice) body.tool_choice = choice;
  return plan;
}

function maxTokens(request: ChatRequestJson, fallback: number): number {
  const asked = request.max_completion_tokens ?? request.max_tokens;
  return typeof asked === "number" && asked > 0 ? asked : fallback;
}

function stopSequences(stop: unknown): string[] | undefined {
  if (typeof stop === "string") return stop === "" ? undefined : [stop];
  if (Array.isArray(stop)) {
    const sequences = stop.filter((s): s is string => typeof s === "string" && s !== "");
    return sequences.length > 0 ? sequences : undefined;
  }
  return undefined;
}

/** One turn's blocks as sent: a single text block goes as a plain string, as the docs show it. */
function compactTurn(turn: Turn): JsonObject {
  const only = turn.content.length === 1 ? turn.content[0]! : undefined;
  if (only?.type === "text" && Object.keys(only).length === 2) return { role: turn.role, content: only.text };
  return { role: turn.role, content: turn.content };
}

/** The text of a system/developer message (a string or text parts). */
function textOf(message: ChatMessageJson, i: number): string {
  const content = message.content;
  if (typeof content === "string") return content;
  if (content == null) return "";
  if (!Array.isArray(content)) throw invalid(`messages[${i}].content must be a string or an array of parts`, `messages[${i}].content`);
  return content
    .map((part, j) => {
      if (part?.type !== "text" || typeof part.text !== "string")
        throw invalid(`messages[${i}].content[${j}] must be a text part`, `messages[${i}].content`);
      return part.text;
    })
    .join("\n");
}

function userBlocks(message: ChatMessageJson, i: number): Block[] {
  const content = message.content;
  if (typeof content === "string") return [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw invalid(`messages[${i}].content must be a string or an array of parts`, `messages[${i}].content`);
  return content.map((part, j) => contentBlock(part as JsonObject, `messages[${i}].content[${j}]`));
}

function contentBlock(part: JsonObject, where: string): Block {
  let block: Block;
  switch (part?.type) {
    case "text":
      if (typeof part.text !== "string") throw invalid(`${where}.text must be a string`, where);
      block = { type: "text", text: part.text };
      break;
    case "image_url":
      block = imageBlock(part.image_url, where);
      break;
    case "file":
      block = documentBlock(part.file, where);
      break;
    default:
      throw invalid(`${where}: anthropic does not accept ${JSON.stringify(part?.type)} content parts`, where);
  }
  // Prompt caching: a client that marks a part for Anthropic's cache keeps the mark.
  if (isObject(part.cache_control)) block.cache_control = part.cache_control;
  return block;
}

const DATA_URL = /^data:([^;,]+);base64,/;

function imageBlock(image: unknown, where: string): Block {
  const url = isObject(image) ? image.url : image;
  if (typeof url !== "string") throw invalid(`${where}.image_url.url must be a string`, where);
  const data = DATA_URL.exec(url);
  if (data) return { type: "image", source: { type: "base64", media_type: data[1], data: url.slice(data[0].length) } };
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  throw invalid(`${where}.image_url.url must be an http(s) URL or a base64 data URL`, where);
}

/** A PDF sent as an OpenAI file part (base64 data URL) is an Anthropic document block. */
function documentBlock(file: unknown, where: string): Block {
  const data = isObject(file) && typeof file.file_data === "string" ? DATA_URL.exec(file.file_data) : null;
  if (!data || !isObject(file)) throw invalid(`${where}: anthropic accepts file parts only as base64 data (file.file_data)`, where);
  return { type: "document", source: { type: "base64", media_type: data[1], data: (file.file_data as string).slice(data[0].length) } };
}

function assistantBlocks(message: ChatMessageJson, i: number): Block[] {
  const blocks: Block[] = [];
  const content = message.content;
  if (typeof content === "string") {
    if (content !== "") blocks.push({ type: "text", text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part, j) => {
      // An assistant's refusal part is its text as far as Anthropic is concerned.
      const text = part?.type === "refusal" ? part.refusal : part?.type === "text" ? part.text : undefined;
      if (typeof text !== "string") throw invalid(`messages[${i}].content[${j}] must be a text part`, `messages[${i}].content`);
      if (text !== "") blocks.push({ type: "text", text });
    });
  } else if (content != null) {
    throw invalid(`messages[${i}].content must be a string or an array of parts`, `messages[${i}].content`);
  }
  const calls = message.tool_calls;
  if (calls != null) {
    if (!Array.isArray(calls)) throw invalid(`messages[${i}].tool_calls must be an array`, `messages[${i}].tool_calls`);
    calls.forEach((call: unknown, j) => blocks.push(toolUse(call, `messages[${i}].tool_calls[${j}]`)));
  }
  return blocks;
}

function toolUse(call: unknown, where: string): Block {
  const fn = isObject(call) && isObject(call.function) ? call.function : undefined;
  if (!isObject(call) || typeof call.id !== "string" || !fn || typeof fn.name !== "string") {
    throw invalid(`${where} must have an id and a function name`, where);
  }
  return { type: "tool_use", id: call.id, name: fn.name, input: toolArguments(fn.arguments, where) };
}

/** OpenAI carries a call's arguments as JSON text; Anthropic as the object itself. */
function toolArguments(text: unknown, where: string): unknown {
  if (text === undefined || text === null || text === "") return {};
  if (typeof text !== "string") throw invalid(`${where}.function.arguments must be a JSON string`, where);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(`${where}.function.arguments is not valid JSON`, where);
  }
  if (!isObject(value)) throw invalid(`${where}.function.arguments must be a JSON object`, where);
  return value;
}

function toolResult(message: ChatMessageJson, i: number): Block {
  if (typeof message.tool_call_id !== "string")
    throw invalid(`messages[${i}].tool_call_id must be a string`, `messages[${i}].tool_call_id`);
  const content = message.content;
  const block: Block = { type: "tool_result", tool_use_id: message.tool_call_id };
  if (typeof content === "string") {
    if (content !== "") block.content = content;
  } else if (Array.isArray(content)) {
    block.content = content.map((part, j) => contentBlock(part as JsonObject, `messages[${i}].content[${j}]`));
  } else if (content != null) {
    throw invalid(`messages[${i}].content must be a string or an array of parts`, `messages[${i}].content`);
  }
  return block;
}

function toolDefinitions(tools: unknown): JsonObject[] {
  if (tools == null) return [];
  if (!Array.isArray(tools)) throw invalid("tools must be an array", "tools");
  return tools.map((tool: unknown, i) => {
    const fn = isObject(tool) && tool.type === "function" && isObject(tool.function) ? tool.function : undefined;
    if (!fn || typeof fn.name !== "string") throw invalid(`tools[${i}] must be a function tool with a name`, `tools[${i}]`);
    const definition: JsonObject = { name: fn.name };
    if (typeof fn.description === "string") definition.description = fn.description;
    definition.input_schema = objectSchema(fn.parameters);
    return definition;
  });
}

/** Anthropic wants an object schema for every tool input; OpenAI allows leaving it out. */
function objectSchema(schema: unknown): JsonObject {
  return isObject(schema) ? schema : { type: "object", properties: {} };
}

function toolChoice(choice: unknown, parallel: unknown): JsonObject | undefined {
  let mapped: JsonObject | undefined;
  if (choice === undefined || choice === null || choice === "auto") mapped = choice == null ? undefined : { type: "auto" };
  else if (choice === "none") mapped = { type: "none" };
  else if (choice === "required") mapped = { type: "any" };
  else if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === "string")
    mapped = { type: "tool", name: choice.function.name };
  else throw invalid('tool_choice must be "auto", "none", "required" or a named function', "tool_choice");
  if (parallel === false && mapped?.type !== "none") return { ...(mapped ?? { type: "auto" }), disable_parallel_tool_use: true };
  return mapped;
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError("invalid_request", message, { param });
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
