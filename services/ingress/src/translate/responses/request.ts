import type {
  ChatAssistantMessage,
  ChatContentPart,
  ChatFunctionTool,
  ChatMessage,
  ChatRequest,
  ChatResponseFormat,
  ChatTextPart,
  ChatToolChoice,
} from "../chat-types.js";
import {
  expectArray,
  expectBoolean,
  expectInteger,
  expectNumber,
  expectOneOf,
  expectRecord,
  expectString,
  openAIDialect,
  optional,
  type Path,
  required,
  runValidation,
  unsupported,
  type Validation,
} from "../common.js";
import type {
  ResponsesFunctionTool,
  ResponsesInputContent,
  ResponsesInputItem,
  ResponsesMessageInput,
  ResponsesRequest,
  ResponsesTextFormat,
  ResponsesToolChoice,
} from "./types.js";

// ---- validation ----------------------------------------------------------------------------

/**
 * Checks a parsed `POST /v1/responses` body. Returns it typed when every field the gateway reads
 * has the documented type and value, or the first problem as `{param, message}` in OpenAI's
 * words and notation (`input[0].content[1].type`). Never converts a value. Features that need
 * server-side state or OpenAI-hosted tools (`previous_response_id`, `conversation`, `prompt`,
 * `background`, item references, built-in tools, file ids) are rejected by name; other unknown
 * fields (`include`, `truncation`, `service_tier`, …) are ignored.
 */
export function validateResponsesRequest(body: unknown): Validation<ResponsesRequest> {
  return runValidation(openAIDialect, () => {
    const b = expectRecord(body, []);
    expectString(required(b, "model", []), ["model"], { nonEmpty: true });
    const input = required(b, "input", []);
    if (typeof input !== "string") {
      expectArray(input, ["input"], { nonEmpty: true }).forEach((item, i) => checkItem(item, ["input", i]));
    }

    const instructions = optional(b, "instructions");
    if (instructions !== undefined) expectString(instructions, ["instructions"]);
    const maxOutput = optional(b, "max_output_tokens");
    if (maxOutput !== undefined) expectInteger(maxOutput, ["max_output_tokens"], { min: 1 });
    const temperature = optional(b, "temperature");
    if (temperature !== undefined) expectNumber(temperature, ["temperature"], { min: 0, max: 2 });
    const topP = optional(b, "top_p");
    if (topP !== undefined) expectNumber(topP, ["top_p"], { min: 0, max: 1 });
    for (const key of ["stream", "store", "parallel_tool_calls"]) {
      const value = optional(b, key);
      if (value !== undefined) expectBoolean(value, [key]);
    }
    const user = optional(b, "user");
    if (user !== undefined) expectString(user, ["user"]);
    const metadata = optional(b, "metadata");
    if (metadata !== undefined) {
      for (const [key, value] of Object.entries(expectRecord(metadata, ["metadata"]))) expectString(value, ["metadata", key]);
    }

    const tools = optional(b, "tools");
    if (tools !== undefined) expectArray(tools, ["tools"]).forEach((tool, i) => checkTool(tool, ["tools", i]));
    const toolChoice = optional(b, "tool_choice");
    if (toolChoice !== undefined) checkToolChoice(toolChoice, ["tool_choice"]);
    const text = optional(b, "text");
    if (text !== undefined) checkText(text, ["text"]);
    const reasoning = optional(b, "reasoning");
    if (reasoning !== undefined) {
      const r = expectRecord(reasoning, ["reasoning"]);
      for (const key of ["effort", "summary"]) {
        const value = optional(r, key);
        if (value !== undefined) expectString(value, ["reasoning", key]);
      }
    }

    for (const key of ["previous_response_id", "conversation", "prompt"]) {
      if (optional(b, key) !== undefined) unsupported([key], "this gateway does not store responses or prompts; send the whole conversation as input");
    }
    if (optional(b, "background") === true) unsupported(["background"], "background responses are not supported by this gateway");

    return b as unknown as ResponsesRequest;
  });
}

function checkItem(value: unknown, path: Path): void {
  const item = expectRecord(value, path);
  const type = optional(item, "type");
  switch (type) {
    case undefined:
    case "message":
      return checkMessage(item, path);
    case "function_call":
      expectString(required(item, "call_id", path), [...path, "call_id"], { nonEmpty: true });
      expectString(required(item, "name", path), [...path, "name"], { nonEmpty: true });
      expectString(required(item, "arguments", path), [...path, "arguments"]);
      return;
    case "function_call_output": {
      expectString(required(item, "call_id", path), [...path, "call_id"], { nonEmpty: true });
      const output = required(item, "output", path);
      if (typeof output === "string") return;
      expectArray(output, [...path, "output"]).forEach((part, i) => checkPart(part, [...path, "output", i], ["input_text", "input_image", "input_file"]));
      return;
    }
    case "reasoning":
      return;
    case "item_reference":
      return unsupported([...path, "type"], "item references need stored responses, which this gateway does not keep");
    default:
      if (typeof type !== "string") expectString(type, [...path, "type"]);
      return unsupported([...path, "type"], `input items of type '${String(type)}' are not supported by this gateway`);
  }
}

const PARTS_BY_ROLE = {
  user: ["input_text", "input_image", "input_file"],
  system: ["input_text"],
  developer: ["input_text"],
  assistant: ["output_text", "refusal", "input_text"],
} as const;

function checkMessage(item: Record<string, unknown>, path: Path): void {
  const role = expectOneOf(required(item, "role", path), [...path, "role"], ["user", "assistant", "system", "developer"]);
  const content = required(item, "content", path);
  if (typeof content === "string") return;
  expectArray(content, [...path, "content"]).forEach((part, i) => checkPart(part, [...path, "content", i], PARTS_BY_ROLE[role]));
}

function checkPart(value: unknown, path: Path, accepted: readonly string[]): void {
  const part = expectRecord(value, path);
  const type = expectString(required(part, "type", path), [...path, "type"]);
  if (!accepted.includes(type)) {
    const known = ["input_text", "input_image", "input_file", "output_text", "refusal"].includes(type);
    unsupported([...path, "type"], known ? `'${type}' is not accepted here (${accepted.map((a) => `'${a}'`).join(", ")} are)` : `content of type '${type}' is not supported by this gateway`);
  }
  switch (type) {
    case "input_text":
    case "output_text":
      expectString(required(part, "text", path), [...path, "text"]);
      return;
    case "refusal":
      expectString(required(part, "refusal", path), [...path, "refusal"]);
      return;
    case "input_image": {
      if (optional(part, "file_id") !== undefined) unsupported([...path, "file_id"], "file ids are not supported by this gateway; send image_url (a URL or a data URL)");
      expectString(required(part, "image_url", path), [...path, "image_url"], { nonEmpty: true });
      const detail = optional(part, "detail");
      if (detail !== undefined) expectOneOf(detail, [...path, "detail"], ["low", "high", "auto", "original"]);
      return;
    }
    case "input_file": {
      for (const key of ["file_id", "file_url"]) {
        if (optional(part, key) !== undefined) unsupported([...path, key], `${key} is not supported by this gateway; send file_data (a data URL)`);
      }
      expectString(required(part, "file_data", path), [...path, "file_data"], { nonEmpty: true });
      const filename = optional(part, "filename");
      if (filename !== undefined) expectString(filename, [...path, "filename"]);
      return;
    }
  }
}

function checkTool(value: unknown, path: Path): void {
  const tool = expectRecord(value, path);
  const type = expectString(required(tool, "type", path), [...path, "type"]);
  if (type !== "function") unsupported([...path, "type"], `built-in tool '${type}' is not supported by this gateway; only function tools are`);
  expectString(required(tool, "name", path), [...path, "name"], { nonEmpty: true });
  const description = optional(tool, "description");
  if (description !== undefined) expectString(description, [...path, "description"]);
  const parameters = optional(tool, "parameters");
  if (parameters !== undefined) expectRecord(parameters, [...path, "parameters"]);
  const strict = optional(tool, "strict");
  if (strict !== undefined) expectBoolean(strict, [...path, "strict"]);
}

function checkToolChoice(value: unknown, path: Path): void {
  if (typeof value === "string") {
    expectOneOf(value, path, ["none", "auto", "required"]);
    return;
  }
  const choice = expectRecord(value, path);
  const type = expectString(required(choice, "type", path), [...path, "type"]);
  if (type !== "function") unsupported([...path, "type"], `tool_choice of type '${type}' is not supported by this gateway; use 'function'`);
  expectString(required(choice, "name", path), [...path, "name"], { nonEmpty: true });
}

function checkText(value: unknown, path: Path): void {
  const text = expectRecord(value, path);
  const verbosity = optional(text, "verbosity");
  if (verbosity !== undefined) expectOneOf(verbosity, [...path, "verbosity"], ["low", "medium", "high"]);
  const format = optional(text, "format");
  if (format === undefined) return;
  const at = [...path, "format"];
  const f = expectRecord(format, at);
  const type = expectOneOf(required(f, "type", at), [...at, "type"], ["text", "json_object", "json_schema"]);
  if (type !== "json_schema") return;
  expectString(required(f, "name", at), [...at, "name"], { nonEmpty: true });
  expectRecord(required(f, "schema", at), [...at, "schema"]);
  const description = optional(f, "description");
  if (description !== undefined) expectString(description, [...at, "description"]);
  const strict = optional(f, "strict");
  if (strict !== undefined) expectBoolean(strict, [...at, "strict"]);
}

// ---- translation ---------------------------------------------------------------------------

/**
 * A validated Responses request as the chat completions request the gateway serves.
 *
 * - `instructions` becomes the first message (`role: "system"`); a string `input` one user message.
 * - Message items keep their role (`developer` stays `developer`); input parts become chat
 *   content parts; an assistant item's `output_text`/`refusal` parts join into its text.
 * - `function_call` items become `tool_calls` on the assistant message they follow (a new
 *   assistant message when they follow anything else); `function_call_output` items become
 *   `role: "tool"` messages. Images or files in a function output cannot ride on a chat tool
 *   message, so they follow the run of tool messages as a user message. `reasoning` items are
 *   dropped.
 * - `max_output_tokens` → `max_completion_tokens`; `text.format` → `response_format` (the default
 *   `text` format is left implicit); `text.verbosity` → `verbosity`; `reasoning.effort` →
 *   `reasoning_effort`; `stream: true` also asks for the final usage chunk.
 */
export function responsesToChat(body: ResponsesRequest): ChatRequest {
  const messages: ChatMessage[] = [];
  if (body.instructions != null && body.instructions.length > 0) messages.push({ role: "system", content: body.instructions });
  if (typeof body.input === "string") messages.push({ role: "user", content: body.input });
  else messages.push(...itemsToChat(body.input));

  const chat: ChatRequest = { model: body.model, messages };
  if (body.max_output_tokens != null) chat.max_completion_tokens = body.max_output_tokens;
  if (body.temperature != null) chat.temperature = body.temperature;
  if (body.top_p != null) chat.top_p = body.top_p;
  if (body.tools != null && body.tools.length > 0) chat.tools = body.tools.map(toolToChat);
  if (body.tool_choice != null) chat.tool_choice = toolChoiceToChat(body.tool_choice);
  if (body.parallel_tool_calls != null) chat.parallel_tool_calls = body.parallel_tool_calls;
  const format = body.text?.format;
  if (format != null && format.type !== "text") chat.response_format = formatToChat(format);
  if (body.text?.verbosity != null) chat.verbosity = body.text.verbosity;
  if (body.reasoning?.effort != null) chat.reasoning_effort = body.reasoning.effort;
  if (body.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  if (body.metadata != null) chat.metadata = { ...body.metadata };
  if (body.user != null) chat.user = body.user;
  return chat;
}

function itemsToChat(items: ResponsesInputItem[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  // Images and files from function outputs, waiting for the end of the run of tool messages.
  let carried: ChatContentPart[] = [];
  for (const item of items) {
    if (item.type !== "function_call_output" && carried.length > 0) {
      out.push({ role: "user", content: carried });
      carried = [];
    }
    switch (item.type) {
      case "function_call": {
        const last = out.at(-1);
        const call = { id: item.call_id, type: "function" as const, function: { name: item.name, arguments: item.arguments } };
        if (last?.role === "assistant") (last.tool_calls ??= []).push(call);
        else out.push({ role: "assistant", content: null, tool_calls: [call] });
        break;
      }
      case "function_call_output": {
        if (typeof item.output === "string") {
          out.push({ role: "tool", tool_call_id: item.call_id, content: item.output });
          break;
        }
        const text = item.output.filter((p) => p.type === "input_text").map((p) => p.text);
        out.push({ role: "tool", tool_call_id: item.call_id, content: text.join("") });
        carried.push(...item.output.filter((p) => p.type !== "input_text").map(partToChat));
        break;
      }
      case "reasoning":
        break; // encrypted or summarised reasoning of another model: nothing a chat model can use
      default:
        out.push(messageToChat(item));
    }
  }
  if (carried.length > 0) out.push({ role: "user", content: carried });
  return out;
}

function messageToChat(item: ResponsesMessageInput): ChatMessage {
  switch (item.role) {
    case "assistant": {
      const text =
        typeof item.content === "string" ? item.content : item.content.map((p) => (p.type === "refusal" ? p.refusal : p.text)).join("");
      const message: ChatAssistantMessage = { role: "assistant", content: text };
      return message;
    }
    case "system":
    case "developer":
      return {
        role: item.role,
        content: typeof item.content === "string" ? item.content : item.content.map((p): ChatTextPart => ({ type: "text", text: p.text })),
      };
    case "user":
      return { role: "user", content: typeof item.content === "string" ? item.content : item.content.map(partToChat) };
  }
}

function partToChat(part: ResponsesInputContent): ChatContentPart {
  switch (part.type) {
    case "input_text":
      return { type: "text", text: part.text };
    case "input_image":
      return { type: "image_url", image_url: part.detail != null ? { url: part.image_url, detail: part.detail } : { url: part.image_url } };
    case "input_file":
      return { type: "file", file: part.filename != null ? { filename: part.filename, file_data: part.file_data } : { file_data: part.file_data } };
  }
}

function toolToChat(tool: ResponsesFunctionTool): ChatFunctionTool {
  const fn: ChatFunctionTool["function"] = { name: tool.name };
  if (tool.description != null) fn.description = tool.description;
  if (tool.parameters != null) fn.parameters = tool.parameters;
  if (tool.strict != null) fn.strict = tool.strict;
  return { type: "function", function: fn };
}

function toolChoiceToChat(choice: ResponsesToolChoice): ChatToolChoice {
  return typeof choice === "string" ? choice : { type: "function", function: { name: choice.name } };
}

function formatToChat(format: Exclude<ResponsesTextFormat, { type: "text" }>): ChatResponseFormat {
  if (format.type === "json_object") return { type: "json_object" };
  const schema: Extract<ChatResponseFormat, { type: "json_schema" }>["json_schema"] = { name: format.name, schema: format.schema };
  if (format.description != null) schema.description = format.description;
  if (format.strict != null) schema.strict = format.strict;
  return { type: "json_schema", json_schema: schema };
}
