/**
 * The OpenAI Responses API (`POST /v1/responses`) as the translation reads and writes it:
 * function tools only, text/image/file inputs, stateless (no `previous_response_id`).
 * Request types describe what `validateResponsesRequest` accepts (optional fields may be null,
 * which means "not given"); response and stream types describe what the translation produces.
 */

// ---- request -------------------------------------------------------------------------------

export interface ResponsesInputText {
  type: "input_text";
  text: string;
}

export interface ResponsesInputImage {
  type: "input_image";
  /** A URL or a base64 data URL. (`file_id` needs OpenAI's file store and is not accepted.) */
  image_url: string;
  detail?: "low" | "high" | "auto" | "original" | null;
}

export interface ResponsesInputFile {
  type: "input_file";
  /** A base64 data URL. (`file_id` and `file_url` are not accepted.) */
  file_data: string;
  filename?: string | null;
}

export interface ResponsesOutputTextPart {
  type: "output_text";
  text: string;
  annotations?: unknown[];
}

export interface ResponsesRefusalPart {
  type: "refusal";
  refusal: string;
}

export type ResponsesInputContent = ResponsesInputText | ResponsesInputImage | ResponsesInputFile;

export type ResponsesMessageInput =
  | { type?: "message" | null; role: "user"; content: string | ResponsesInputContent[]; id?: string | null; status?: string | null }
  | {
      type?: "message" | null;
      role: "system" | "developer";
      content: string | ResponsesInputText[];
      id?: string | null;
      status?: string | null;
    }
  | {
      type?: "message" | null;
      role: "assistant";
      content: string | (ResponsesOutputTextPart | ResponsesRefusalPart | ResponsesInputText)[];
      id?: string | null;
      status?: string | null;
    };

export interface ResponsesFunctionCallInput {
  type: "function_call";
  call_id: string;
  name: string;
  arguments: string;
  id?: string | null;
  status?: string | null;
}

export interface ResponsesFunctionCallOutputInput {
  type: "function_call_output";
  call_id: string;
  output: string | ResponsesInputContent[];
  id?: string | null;
  status?: string | null;
}

/** A reasoning item from an earlier response: accepted and dropped (its content is encrypted). */
export interface ResponsesReasoningInput {
  type: "reasoning";
  [key: string]: unknown;
}

export type ResponsesInputItem =
  | ResponsesMessageInput
  | ResponsesFunctionCallInput
  | ResponsesFunctionCallOutputInput
  | ResponsesReasoningInput;

export interface ResponsesFunctionTool {
  type: "function";
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

export type ResponsesToolChoice = "none" | "auto" | "required" | { type: "function"; name: string };

export type ResponsesTextFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name: string; schema: Record<string, unknown>; description?: string | null; strict?: boolean | null };

export interface ResponsesTextConfig {
  format?: ResponsesTextFormat | null;
  verbosity?: "low" | "medium" | "high" | null;
}

export interface ResponsesRequest {
  model: string;
  input: string | ResponsesInputItem[];
  instructions?: string | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  tools?: ResponsesFunctionTool[] | null;
  tool_choice?: ResponsesToolChoice | null;
  parallel_tool_calls?: boolean | null;
  text?: ResponsesTextConfig | null;
  reasoning?: { effort?: string | null; summary?: string | null } | null;
  stream?: boolean | null;
  store?: boolean | null;
  metadata?: Record<string, string> | null;
  user?: string | null;
}

// ---- response ------------------------------------------------------------------------------

export type ResponsesItemStatus = "in_progress" | "completed" | "incomplete";

export interface ResponsesOutputText {
  type: "output_text";
  text: string;
  annotations: unknown[];
}

export interface ResponsesOutputRefusal {
  type: "refusal";
  refusal: string;
}

export interface ResponsesOutputMessage {
  type: "message";
  id: string;
  status: ResponsesItemStatus;
  role: "assistant";
  content: (ResponsesOutputText | ResponsesOutputRefusal)[];
}

export interface ResponsesFunctionCall {
  type: "function_call";
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ResponsesItemStatus;
}

export type ResponsesOutputItem = ResponsesOutputMessage | ResponsesFunctionCall;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponsesStatus = "in_progress" | "completed" | "incomplete" | "failed";

export interface ResponsesResponse {
  id: string;
  object: "response";
  created_at: number;
  status: ResponsesStatus;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: ResponsesOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: ResponsesTextFormat; verbosity?: "low" | "medium" | "high" };
  tool_choice: ResponsesToolChoice;
  tools: ResponsesFunctionTool[];
  top_p: number | null;
  truncation: "disabled";
  usage: ResponsesUsage | null;
  user: string | null;
  metadata: Record<string, string>;
}

// ---- stream --------------------------------------------------------------------------------

interface Sequenced {
  sequence_number: number;
}

export interface ResponsesLifecycleEvent extends Sequenced {
  type: "response.created" | "response.in_progress" | "response.completed" | "response.incomplete" | "response.failed";
  response: ResponsesResponse;
}

export interface ResponsesOutputItemEvent extends Sequenced {
  type: "response.output_item.added" | "response.output_item.done";
  output_index: number;
  item: ResponsesOutputItem;
}

export interface ResponsesContentPartEvent extends Sequenced {
  type: "response.content_part.added" | "response.content_part.done";
  item_id: string;
  output_index: number;
  content_index: number;
  part: ResponsesOutputText | ResponsesOutputRefusal;
}

export interface ResponsesTextDeltaEvent extends Sequenced {
  type: "response.output_text.delta";
  item_id: string;
  output_index: number;
  content_index: number;
  delta: string;
  logprobs: [];
}

export interface ResponsesTextDoneEvent extends Sequenced {
  type: "response.output_text.done";
  item_id: string;
  output_index: number;
  content_index: number;
  text: string;
  logprobs: [];
}

export interface ResponsesRefusalDeltaEvent extends Sequenced {
  type: "response.refusal.delta";
  item_id: string;
  output_index: number;
  content_index: number;
  delta: string;
}

export interface ResponsesRefusalDoneEvent extends Sequenced {
  type: "response.refusal.done";
  item_id: string;
  output_index: number;
  content_index: number;
  refusal: string;
}

export interface ResponsesArgumentsDeltaEvent extends Sequenced {
  type: "response.function_call_arguments.delta";
  item_id: string;
  output_index: number;
  delta: string;
}

export interface ResponsesArgumentsDoneEvent extends Sequenced {
  type: "response.function_call_arguments.done";
  item_id: string;
  output_index: number;
  name: string;
  arguments: string;
}

export interface ResponsesErrorEvent extends Sequenced {
  type: "error";
  code: string | null;
  message: string;
  param: string | null;
}

export type ResponsesStreamEventData =
  | ResponsesLifecycleEvent
  | ResponsesOutputItemEvent
  | ResponsesContentPartEvent
  | ResponsesTextDeltaEvent
  | ResponsesTextDoneEvent
  | ResponsesRefusalDeltaEvent
  | ResponsesRefusalDoneEvent
  | ResponsesArgumentsDeltaEvent
  | ResponsesArgumentsDoneEvent
  | ResponsesErrorEvent;

/** An SSE event whose `event:` name equals its data's `type`. */
export interface ResponsesStreamEvent {
  event: ResponsesStreamEventData["type"];
  data: ResponsesStreamEventData;
}
