import { ResponsesRequestSchema } from "../../schemas/responses.js";
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
import { compileValidator, openAIDialect } from "../common.js";
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
 * Checks a parsed `POST /v1/responses` body against `ResponsesRequestSchema`. Returns it typed,
 * or the first problem as `{param, message}` in OpenAI's words and notation
 * (`input[0].content[1].type`). Never converts a value. Features that need server-side state or
 * OpenAI-hosted tools (`previous_response_id`, `conversation`, `prompt`, `background`, item
 * references, built-in tools, file ids) are rejected by name; other unknown fields are ignored.
 */
export const validateResponsesRequest = compileValidator<ResponsesRequest>(ResponsesRequestSchema, openAIDialect);

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
      return {
        type: "file",
        file: part.filename != null ? { filename: part.filename, file_data: part.file_data } : { file_data: part.file_data },
      };
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
