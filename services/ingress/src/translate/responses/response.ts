import type { ChatCompletion, ChatUsage } from "../chat-types.js";
import { idSuffix } from "../common.js";
import type { ResponsesOutputItem, ResponsesOutputMessage, ResponsesRequest, ResponsesResponse, ResponsesUsage } from "./types.js";

export interface ResponseOptions {
  /** The response id; default `resp_` + the distinctive part of the completion id. */
  id?: string;
  /** `completed_at` (Unix seconds) of a completed response; default now. */
  completedAt?: number;
}

/**
 * A chat completion as a Responses API `response` object.
 *
 * - `output`: a `message` item (its text as one `output_text` part with no annotations, or a
 *   `refusal` part), then one `function_call` item per tool call, in order. No text and no tool
 *   calls means no items. The official SDKs compute `output_text` from these message items.
 * - `status` is `incomplete` with `incomplete_details.reason` `max_output_tokens` when the chat
 *   finish reason is `length` (`content_filter` when it is `content_filter`), else `completed`.
 *   In an incomplete response the last item is `incomplete` too.
 * - The request's settings are echoed the way the API does (`instructions`, `tools`,
 *   `tool_choice` default `auto`, `parallel_tool_calls` default true, `text` default
 *   `{format:{type:"text"}}`, `metadata` default `{}`); settings the client left unset whose
 *   value the upstream model decides (`temperature`, `top_p`) are null. `store` is false: the
 *   gateway keeps nothing.
 * - `model` is the model the client asked for. Item ids derive from the response id.
 */
export function chatToResponse(completion: ChatCompletion, request: ResponsesRequest, options: ResponseOptions = {}): ResponsesResponse {
  const id = options.id ?? responseIdFrom(completion.id);
  const choice = completion.choices[0];
  const message = choice?.message;
  const incomplete = incompleteReason(choice?.finish_reason);
  const output: ResponsesOutputItem[] = [];
  const content: ResponsesOutputMessage["content"] = [];
  if (message?.content) content.push({ type: "output_text", text: message.content, annotations: [] });
  else if (message?.refusal) content.push({ type: "refusal", refusal: message.refusal });
  if (content.length > 0) output.push({ type: "message", id: messageItemId(id, 0), status: "completed", role: "assistant", content });
  for (const call of message?.tool_calls ?? []) {
    const index = output.length;
    output.push({
      type: "function_call",
      id: functionCallItemId(id, index),
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
      status: "completed",
    });
  }
  const last = output.at(-1);
  if (incomplete && last) last.status = "incomplete";
  return {
    ...responseShell(request, { id, createdAt: completion.created }),
    status: incomplete ? "incomplete" : "completed",
    completed_at: incomplete ? null : (options.completedAt ?? nowSeconds()),
    incomplete_details: incomplete ? { reason: incomplete } : null,
    output,
    usage: completion.usage ? responsesUsage(completion.usage) : null,
  };
}

export function responseIdFrom(completionId: string | undefined): string {
  return `resp_${idSuffix(completionId)}`;
}

/** `msg_<suffix>` for the first output item, `msg_<suffix>_<n>` after it: unique within a response. */
export function messageItemId(responseId: string, outputIndex: number): string {
  const suffix = idSuffix(responseId);
  return outputIndex === 0 ? `msg_${suffix}` : `msg_${suffix}_${outputIndex}`;
}

export function functionCallItemId(responseId: string, outputIndex: number): string {
  return `fc_${idSuffix(responseId)}_${outputIndex}`;
}

/** `length` → `max_output_tokens`, `content_filter` → `content_filter`; otherwise the response completed. */
export function incompleteReason(finishReason: string | null | undefined): "max_output_tokens" | "content_filter" | undefined {
  if (finishReason === "length") return "max_output_tokens";
  if (finishReason === "content_filter") return "content_filter";
  return undefined;
}

export function itemStatus(incomplete: boolean): "completed" | "incomplete" {
  return incomplete ? "incomplete" : "completed";
}

export function responsesUsage(usage: ChatUsage): ResponsesUsage {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}

/** The response object before any output: everything echoed from the request. */
export function responseShell(request: ResponsesRequest, meta: { id: string; createdAt: number }): ResponsesResponse {
  const text: ResponsesResponse["text"] = { format: request.text?.format ?? { type: "text" } };
  if (request.text?.verbosity != null) text.verbosity = request.text.verbosity;
  return {
    id: meta.id,
    object: "response",
    created_at: meta.createdAt,
    status: "in_progress",
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: request.model,
    output: [],
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    store: false,
    temperature: request.temperature ?? null,
    text,
    tool_choice: request.tool_choice ?? "auto",
    tools: (request.tools ?? []).map((tool) => ({
      type: "function",
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null,
    })),
    top_p: request.top_p ?? null,
    truncation: "disabled",
    usage: null,
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
