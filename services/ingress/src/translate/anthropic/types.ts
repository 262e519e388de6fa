/**
 * The Anthropic Messages API (`POST /v1/messages`) as the translation reads and writes it.
 * Request types describe what `validateAnthropicRequest` accepts (optional fields may be null,
 * which means "not given"); response and stream types describe what the translation produces.
 */

// ---- request -------------------------------------------------------------------------------

export interface AnthropicTextBlock {
  type: "text";
  text: string;
  cache_control?: unknown;
  citations?: unknown;
}

export interface AnthropicBase64ImageSource {
  type: "base64";
  media_type: string;
  data: string;
}

export interface AnthropicUrlImageSource {
  type: "url";
  url: string;
}

export interface AnthropicImageBlock {
  type: "image";
  source: AnthropicBase64ImageSource | AnthropicUrlImageSource;
  cache_control?: unknown;
}

/** A PDF (base64) or a plain-text document. */
export interface AnthropicDocumentBlock {
  type: "document";
  source: { type: "base64"; media_type: "application/pdf"; data: string } | { type: "text"; media_type: "text/plain"; data: string };
  title?: string | null;
  cache_control?: unknown;
}

export interface AnthropicToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
  cache_control?: unknown;
}

export interface AnthropicToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content?: string | (AnthropicTextBlock | AnthropicImageBlock)[] | null;
  is_error?: boolean | null;
  cache_control?: unknown;
}

export interface AnthropicThinkingBlock {
  type: "thinking";
  thinking: string;
  signature?: string;
}

export interface AnthropicRedactedThinkingBlock {
  type: "redacted_thinking";
  data: string;
}

export type AnthropicUserBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock | AnthropicToolResultBlock;
export type AnthropicAssistantBlock = AnthropicTextBlock | AnthropicToolUseBlock | AnthropicThinkingBlock | AnthropicRedactedThinkingBlock;

export type AnthropicMessageParam =
  | { role: "user"; content: string | AnthropicUserBlock[] }
  | { role: "assistant"; content: string | AnthropicAssistantBlock[] };

export interface AnthropicTool {
  name: string;
  description?: string | null;
  input_schema: Record<string, unknown>;
  /** Client tools may say `"custom"`; server tools (`web_search_…`, `bash_…`) are not accepted. */
  type?: "custom" | null;
  cache_control?: unknown;
}

export type AnthropicToolChoice =
  | { type: "auto"; disable_parallel_tool_use?: boolean | null }
  | { type: "any"; disable_parallel_tool_use?: boolean | null }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean | null }
  | { type: "none" };

export interface AnthropicMessagesRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicTextBlock[] | null;
  stop_sequences?: string[] | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  tools?: AnthropicTool[] | null;
  tool_choice?: AnthropicToolChoice | null;
  stream?: boolean | null;
  metadata?: { user_id?: string | null } | null;
}

// ---- response ------------------------------------------------------------------------------

export type AnthropicStopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "pause_turn" | "refusal";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  /** Present when the upstream reported prompt-cache hits; `input_tokens` then excludes them. */
  cache_read_input_tokens?: number;
}

export interface AnthropicTextContent {
  type: "text";
  text: string;
}

export interface AnthropicToolUseContent {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export type AnthropicContent = AnthropicTextContent | AnthropicToolUseContent;

export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  content: AnthropicContent[];
  model: string;
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

// ---- stream --------------------------------------------------------------------------------

export interface AnthropicMessageStartEvent {
  type: "message_start";
  message: AnthropicMessage;
}

export interface AnthropicContentBlockStartEvent {
  type: "content_block_start";
  index: number;
  content_block: { type: "text"; text: "" } | { type: "tool_use"; id: string; name: string; input: Record<string, never> };
}

export interface AnthropicContentBlockDeltaEvent {
  type: "content_block_delta";
  index: number;
  delta: { type: "text_delta"; text: string } | { type: "input_json_delta"; partial_json: string };
}

export interface AnthropicContentBlockStopEvent {
  type: "content_block_stop";
  index: number;
}

export interface AnthropicMessageDeltaEvent {
  type: "message_delta";
  delta: { stop_reason: AnthropicStopReason; stop_sequence: string | null };
  /** Cumulative totals. `input_tokens` is repeated here because a chat stream only reports it at the end. */
  usage: { output_tokens: number; input_tokens?: number; cache_read_input_tokens?: number };
}

export interface AnthropicMessageStopEvent {
  type: "message_stop";
}

export interface AnthropicPingEvent {
  type: "ping";
}

export interface AnthropicErrorEvent {
  type: "error";
  error: { type: string; message: string };
}

export type AnthropicStreamEventData =
  | AnthropicMessageStartEvent
  | AnthropicContentBlockStartEvent
  | AnthropicContentBlockDeltaEvent
  | AnthropicContentBlockStopEvent
  | AnthropicMessageDeltaEvent
  | AnthropicMessageStopEvent
  | AnthropicPingEvent
  | AnthropicErrorEvent;

/** An SSE event whose `event:` name equals its data's `type`, as Anthropic sends them. */
export interface AnthropicStreamEvent {
  event: AnthropicStreamEventData["type"];
  data: AnthropicStreamEventData;
}
