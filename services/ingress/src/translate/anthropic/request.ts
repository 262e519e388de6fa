import { AnthropicMessagesRequestSchema } from "../../schemas/anthropic-messages.js";
import type {
  ChatAssistantMessage,
  ChatContentPart,
  ChatFunctionTool,
  ChatMessage,
  ChatRequest,
  ChatToolCall,
  ChatToolChoice,
} from "../chat-types.js";
import { anthropicDialect, compileValidator } from "../common.js";
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

// ---- validation ----------------------------------------------------------------------------

/**
 * Checks a parsed `POST /v1/messages` body against `AnthropicMessagesRequestSchema`. Returns it
 * typed, or the first problem as `{param, message}` in Anthropic's words (`max_tokens: Field
 * required`). Never converts a value; unknown top-level fields (`thinking`, `service_tier`, …) are
 * allowed and ignored by the translation.
 */
export const validateAnthropicRequest = compileValidator<AnthropicMessagesRequest>(AnthropicMessagesRequestSchema, anthropicDialect);

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
