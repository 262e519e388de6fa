/**
 * The parts of the OpenAI Chat Completions wire format that the translators read and write.
 * Deliberately minimal: only the fields the Anthropic and Responses translations touch. The
 * gateway's full request schema lives in `schemas/chat-completions.ts`; every `ChatRequest`
 * built here also satisfies it (the tests check that with the schema itself).
 */

export interface ChatTextPart {
  type: "text";
  text: string;
}

export interface ChatImagePart {
  type: "image_url";
  image_url: { url: string; detail?: string };
}

/** A file input part (`file_data` is a data URL). */
export interface ChatFilePart {
  type: "file";
  file: { file_data?: string; filename?: string };
}

export type ChatContentPart = ChatTextPart | ChatImagePart | ChatFilePart;

export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatSystemMessage {
  role: "system" | "developer";
  content: string | ChatTextPart[];
}

export interface ChatUserMessage {
  role: "user";
  content: string | ChatContentPart[];
}

export interface ChatAssistantMessage {
  role: "assistant";
  content: string | null;
  tool_calls?: ChatToolCall[];
}

export interface ChatToolMessage {
  role: "tool";
  tool_call_id: string;
  content: string;
}

export type ChatMessage = ChatSystemMessage | ChatUserMessage | ChatAssistantMessage | ChatToolMessage;

export interface ChatFunctionTool {
  type: "function";
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type ChatToolChoice = "auto" | "none" | "required" | { type: "function"; function: { name: string } };

export type ChatResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      type: "json_schema";
      json_schema: { name: string; schema?: Record<string, unknown>; description?: string; strict?: boolean | null };
    };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string[];
  temperature?: number;
  top_p?: number;
  /** Not an OpenAI field: passed through as a vendor field for providers that sample with top-k. */
  top_k?: number;
  tools?: ChatFunctionTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ChatResponseFormat;
  reasoning_effort?: string;
  verbosity?: string;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  user?: string;
  metadata?: Record<string, string>;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

export type ChatFinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

export interface ChatCompletion {
  id: string;
  object?: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      refusal?: string | null;
      tool_calls?: ChatToolCall[] | null;
    };
    finish_reason: ChatFinishReason | string | null;
  }[];
  usage?: ChatUsage | null;
}

export interface ChatToolCallDelta {
  /** Which tool call of the message this fragment belongs to. A few providers omit it. */
  index?: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunk {
  id?: string;
  object?: "chat.completion.chunk";
  created?: number;
  model?: string;
  /** Empty (or absent) on the final usage chunk. */
  choices?: {
    index: number;
    delta?: {
      role?: string;
      content?: string | null;
      refusal?: string | null;
      tool_calls?: ChatToolCallDelta[] | null;
    };
    finish_reason?: ChatFinishReason | string | null;
  }[];
  usage?: ChatUsage | null;
}

export type ChatChunkChoice = NonNullable<ChatCompletionChunk["choices"]>[number];
