import type {
  ChatAssistantMessage,
  ChatContentPart,
  ChatFunctionTool,
  ChatMessage,
  ChatRequest,
  ChatToolCall,
  ChatToolChoice,
} from "../chat-types.js";
import {
  anthropicDialect,
  expectArray,
  expectBoolean,
  expectInteger,
  expectNumber,
  expectOneOf,
  expectRecord,
  expectString,
  optional,
  type Path,
  required,
  runValidation,
  unsupported,
  type Validation,
} from "../common.js";
import type {
  AnthropicAssistantBlock,
  AnthropicImageBlock,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicTextBlock,
  AnthropicToolChoice,
  AnthropicUserBlock,
} from "./types.js";

/** Separates text blocks that a chat message has to carry as one string (system, assistant, tool). */
export const BLOCK_SEPARATOR = "\n\n";

const IMAGE_MEDIA_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"] as const;

// ---- validation ----------------------------------------------------------------------------

/**
 * Checks a parsed `POST /v1/messages` body. Returns it typed when every field the gateway reads
 * has the type and value Anthropic documents, or the first problem as `{param, message}` in
 * Anthropic's words (`max_tokens: Field required`). Never converts a value; unknown top-level
 * fields (`thinking`, `service_tier`, …) are allowed and ignored by the translation.
 */
export function validateAnthropicRequest(body: unknown): Validation<AnthropicMessagesRequest> {
  return runValidation(anthropicDialect, () => {
    const b = expectRecord(body, []);
    expectString(required(b, "model", []), ["model"], { nonEmpty: true });
    expectInteger(required(b, "max_tokens", []), ["max_tokens"], { min: 1 });
    const messages = expectArray(required(b, "messages", []), ["messages"], { nonEmpty: true });
    messages.forEach((message, i) => checkMessage(message, ["messages", i]));

    const system = optional(b, "system");
    if (system !== undefined) {
      if (typeof system !== "string") {
        const blocks = expectArray(system, ["system"]);
        blocks.forEach((block, i) => {
          const b = expectRecord(block, ["system", i]);
          expectOneOf(required(b, "type", ["system", i]), ["system", i, "type"], ["text"]);
          checkTextBlock(b, ["system", i]);
        });
      }
    }
    const stops = optional(b, "stop_sequences");
    if (stops !== undefined) expectArray(stops, ["stop_sequences"]).forEach((s, i) => expectString(s, ["stop_sequences", i]));
    const temperature = optional(b, "temperature");
    if (temperature !== undefined) expectNumber(temperature, ["temperature"], { min: 0, max: 1 });
    const topP = optional(b, "top_p");
    if (topP !== undefined) expectNumber(topP, ["top_p"], { min: 0, max: 1 });
    const topK = optional(b, "top_k");
    if (topK !== undefined) expectInteger(topK, ["top_k"], { min: 0 });
    const stream = optional(b, "stream");
    if (stream !== undefined) expectBoolean(stream, ["stream"]);

    const metadata = optional(b, "metadata");
    if (metadata !== undefined) {
      const m = expectRecord(metadata, ["metadata"]);
      const userId = optional(m, "user_id");
      if (userId !== undefined) expectString(userId, ["metadata", "user_id"]);
    }

    const tools = optional(b, "tools");
    if (tools !== undefined) expectArray(tools, ["tools"]).forEach((tool, i) => checkTool(tool, ["tools", i]));
    const toolChoice = optional(b, "tool_choice");
    if (toolChoice !== undefined) checkToolChoice(toolChoice, ["tool_choice"]);

    return b as unknown as AnthropicMessagesRequest;
  });
}

function checkMessage(value: unknown, path: Path): void {
  const message = expectRecord(value, path);
  const role = expectOneOf(required(message, "role", path), [...path, "role"], ["user", "assistant"]);
  const content = required(message, "content", path);
  if (typeof content === "string") return;
  // An empty user turn would vanish in translation; an empty assistant turn is a valid prefill.
  const blocks = expectArray(content, [...path, "content"], { nonEmpty: role === "user" });
  blocks.forEach((block, i) => {
    const at = [...path, "content", i];
    const b = expectRecord(block, at);
    const type = expectString(required(b, "type", at), [...at, "type"]);
    if (role === "user") checkUserBlock(b, type, at);
    else checkAssistantBlock(b, type, at);
  });
}

function checkUserBlock(block: Record<string, unknown>, type: string, path: Path): void {
  switch (type) {
    case "text":
      return checkTextBlock(block, path);
    case "image":
      return checkImageBlock(block, path);
    case "document":
      return checkDocumentBlock(block, path);
    case "tool_result": {
      expectString(required(block, "tool_use_id", path), [...path, "tool_use_id"], { nonEmpty: true });
      const isError = optional(block, "is_error");
      if (isError !== undefined) expectBoolean(isError, [...path, "is_error"]);
      const content = optional(block, "content");
      if (content === undefined || typeof content === "string") return;
      expectArray(content, [...path, "content"]).forEach((inner, i) => {
        const at = [...path, "content", i];
        const b = expectRecord(inner, at);
        const innerType = expectString(required(b, "type", at), [...at, "type"]);
        if (innerType === "text") checkTextBlock(b, at);
        else if (innerType === "image") checkImageBlock(b, at);
        else unsupported([...at, "type"], `'${innerType}' blocks inside a tool_result are not supported by this gateway (text and image are)`);
      });
      return;
    }
    case "tool_use":
    case "thinking":
    case "redacted_thinking":
      return unsupported([...path, "type"], `'${type}' blocks are only accepted in assistant messages`);
    default:
      return unsupported([...path, "type"], `'${type}' blocks are not supported by this gateway`);
  }
}

function checkAssistantBlock(block: Record<string, unknown>, type: string, path: Path): void {
  switch (type) {
    case "text":
      return checkTextBlock(block, path);
    case "tool_use":
      expectString(required(block, "id", path), [...path, "id"], { nonEmpty: true });
      expectString(required(block, "name", path), [...path, "name"], { nonEmpty: true });
      expectRecord(required(block, "input", path), [...path, "input"]);
      return;
    case "thinking":
      expectString(required(block, "thinking", path), [...path, "thinking"]);
      return;
    case "redacted_thinking":
      expectString(required(block, "data", path), [...path, "data"]);
      return;
    case "image":
    case "document":
    case "tool_result":
      return unsupported([...path, "type"], `'${type}' blocks are only accepted in user messages`);
    default:
      return unsupported([...path, "type"], `'${type}' blocks are not supported by this gateway`);
  }
}

function checkTextBlock(block: Record<string, unknown>, path: Path): void {
  expectString(required(block, "text", path), [...path, "text"]);
}

function checkImageBlock(block: Record<string, unknown>, path: Path): void {
  const at = [...path, "source"];
  const source = expectRecord(required(block, "source", path), at);
  const type = expectOneOf(required(source, "type", at), [...at, "type"], ["base64", "url"]);
  if (type === "base64") {
    expectOneOf(required(source, "media_type", at), [...at, "media_type"], IMAGE_MEDIA_TYPES);
    expectString(required(source, "data", at), [...at, "data"], { nonEmpty: true });
  } else {
    expectString(required(source, "url", at), [...at, "url"], { nonEmpty: true });
  }
}

function checkDocumentBlock(block: Record<string, unknown>, path: Path): void {
  const at = [...path, "source"];
  const source = expectRecord(required(block, "source", path), at);
  const type = expectString(required(source, "type", at), [...at, "type"]);
  if (type === "base64") expectOneOf(required(source, "media_type", at), [...at, "media_type"], ["application/pdf"]);
  else if (type === "text") expectOneOf(required(source, "media_type", at), [...at, "media_type"], ["text/plain"]);
  else unsupported([...at, "type"], `document sources of type '${type}' are not supported by this gateway (base64 and text are)`);
  expectString(required(source, "data", at), [...at, "data"]);
  const title = optional(block, "title");
  if (title !== undefined) expectString(title, [...path, "title"]);
}

function checkTool(value: unknown, path: Path): void {
  const tool = expectRecord(value, path);
  const type = optional(tool, "type");
  if (type !== undefined && type !== "custom") {
    if (typeof type !== "string") expectString(type, [...path, "type"]);
    unsupported([...path, "type"], `server tool '${String(type)}' is not supported by this gateway; only client tools are`);
  }
  expectString(required(tool, "name", path), [...path, "name"], { nonEmpty: true });
  const description = optional(tool, "description");
  if (description !== undefined) expectString(description, [...path, "description"]);
  expectRecord(required(tool, "input_schema", path), [...path, "input_schema"]);
}

function checkToolChoice(value: unknown, path: Path): void {
  const choice = expectRecord(value, path);
  const type = expectOneOf(required(choice, "type", path), [...path, "type"], ["auto", "any", "tool", "none"]);
  if (type === "tool") expectString(required(choice, "name", path), [...path, "name"], { nonEmpty: true });
  const disable = optional(choice, "disable_parallel_tool_use");
  if (disable !== undefined) expectBoolean(disable, [...path, "disable_parallel_tool_use"]);
}

// ---- translation ---------------------------------------------------------------------------

/**
 * A validated Anthropic Messages request as the chat completions request the gateway serves.
 *
 * - `system` becomes the first message (`role: "system"`); text blocks are joined with a blank line.
 * - User content blocks become content parts in order; each `tool_result` becomes a `role: "tool"`
 *   message (its text blocks joined). Images inside a tool result cannot ride on a chat tool
 *   message, so they move to the user message that follows the run of tool messages.
 * - Assistant `tool_use` blocks become `tool_calls` (input JSON-stringified); `thinking` and
 *   `redacted_thinking` blocks are dropped.
 * - `stream: true` also asks for the final usage chunk, which the stream translator needs.
 */
export function anthropicToChat(body: AnthropicMessagesRequest): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemText(body.system);
  if (system !== undefined) messages.push({ role: "system", content: system });
  for (const message of body.messages) messages.push(...messageToChat(message));

  const chat: ChatRequest = { model: body.model, messages, max_tokens: body.max_tokens };
  if (body.stop_sequences != null && body.stop_sequences.length > 0) chat.stop = [...body.stop_sequences];
  if (body.temperature != null) chat.temperature = body.temperature;
  if (body.top_p != null) chat.top_p = body.top_p;
  if (body.top_k != null) chat.top_k = body.top_k;
  if (body.tools != null && body.tools.length > 0) chat.tools = body.tools.map(toolToChat);
  if (body.tool_choice != null) {
    chat.tool_choice = toolChoiceToChat(body.tool_choice);
    if (body.tool_choice.type !== "none" && body.tool_choice.disable_parallel_tool_use === true) chat.parallel_tool_calls = false;
  }
  if (body.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  if (body.metadata?.user_id != null) chat.user = body.metadata.user_id;
  return chat;
}

function systemText(system: AnthropicMessagesRequest["system"]): string | undefined {
  if (system == null) return undefined;
  if (typeof system === "string") return system.length > 0 ? system : undefined;
  return system.length > 0 ? system.map((block) => block.text).join(BLOCK_SEPARATOR) : undefined;
}

function messageToChat(message: AnthropicMessageParam): ChatMessage[] {
  if (message.role === "assistant") return [assistantToChat(message.content)];
  if (typeof message.content === "string") return [{ role: "user", content: message.content }];
  return userBlocksToChat(message.content);
}

function userBlocksToChat(blocks: AnthropicUserBlock[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  let parts: ChatContentPart[] = [];
  // Images from tool results, waiting for the first user message after the run of tool messages.
  let carried: ChatContentPart[] = [];
  const flush = () => {
    if (parts.length > 0) out.push({ role: "user", content: parts });
    parts = [];
  };
  for (const block of blocks) {
    if (block.type === "tool_result") {
      flush();
      const content = block.content ?? "";
      if (typeof content === "string") {
        out.push({ role: "tool", tool_call_id: block.tool_use_id, content });
      } else {
        const texts = content.filter((b): b is AnthropicTextBlock => b.type === "text").map((b) => b.text);
        out.push({ role: "tool", tool_call_id: block.tool_use_id, content: texts.join(BLOCK_SEPARATOR) });
        carried.push(...content.filter((b): b is AnthropicImageBlock => b.type === "image").map(imageToPart));
      }
      continue;
    }
    parts.push(...carried);
    carried = [];
    parts.push(userBlockToPart(block));
  }
  parts.push(...carried);
  flush();
  return out;
}

function userBlockToPart(block: Exclude<AnthropicUserBlock, { type: "tool_result" }>): ChatContentPart {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "image":
      return imageToPart(block);
    case "document":
      if (block.source.type === "text") return { type: "text", text: block.source.data };
      return {
        type: "file",
        file: { filename: block.title ?? "document.pdf", file_data: `data:${block.source.media_type};base64,${block.source.data}` },
      };
  }
}

function imageToPart(block: AnthropicImageBlock): ChatContentPart {
  const url = block.source.type === "base64" ? `data:${block.source.media_type};base64,${block.source.data}` : block.source.url;
  return { type: "image_url", image_url: { url } };
}

function assistantToChat(content: string | AnthropicAssistantBlock[]): ChatAssistantMessage {
  if (typeof content === "string") return { role: "assistant", content };
  const texts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  for (const block of content) {
    if (block.type === "text") texts.push(block.text);
    else if (block.type === "tool_use") {
      toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input) } });
    }
    // thinking and redacted_thinking carry Anthropic signatures no other model can use: dropped.
  }
  const message: ChatAssistantMessage = {
    role: "assistant",
    content: texts.length > 0 ? texts.join(BLOCK_SEPARATOR) : toolCalls.length > 0 ? null : "",
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function toolToChat(tool: NonNullable<AnthropicMessagesRequest["tools"]>[number]): ChatFunctionTool {
  const fn: ChatFunctionTool["function"] = { name: tool.name };
  if (tool.description != null) fn.description = tool.description;
  fn.parameters = tool.input_schema;
  return { type: "function", function: fn };
}

function toolChoiceToChat(choice: AnthropicToolChoice): ChatToolChoice {
  switch (choice.type) {
    case "auto":
      return "auto";
    case "any":
      return "required";
    case "none":
      return "none";
    case "tool":
      return { type: "function", function: { name: choice.name } };
  }
}
