import type { ChatCompletion, ChatUsage } from "../chat-types.js";
import { idSuffix, isRecord } from "../common.js";
import type { AnthropicContent, AnthropicMessage, AnthropicStopReason, AnthropicUsage } from "./types.js";

/**
 * A chat completion as the Anthropic `message` object.
 *
 * - `id` is `msg_` + the distinctive part of the completion id (`chatcmpl-abc` → `msg_abc`).
 * - `model` is the model the client asked for, not the deployment that answered.
 * - Text (or, when there is no text, a refusal) becomes one `text` block; each tool call a
 *   `tool_use` block with the same id and its arguments parsed (see `parseToolInput`).
 * - `stop_sequence` is always null: a chat completion reports `finish_reason: "stop"` for both a
 *   natural end and a matched stop sequence, without saying which sequence matched.
 * Only the first choice is translated (the Messages API has no `n`).
 */
export function chatToAnthropicMessage(completion: ChatCompletion, requestedModel: string): AnthropicMessage {
  const choice = completion.choices[0];
  const content: AnthropicContent[] = [];
  const message = choice?.message;
  const text = message?.content ? message.content : message?.refusal ? message.refusal : "";
  if (text.length > 0) content.push({ type: "text", text });
  const toolCalls = message?.tool_calls ?? [];
  for (const call of toolCalls) {
    content.push({ type: "tool_use", id: call.id, name: call.function.name, input: parseToolInput(call.function.arguments) });
  }
  const refused = !message?.content && Boolean(message?.refusal);
  return {
    id: anthropicMessageId(completion.id),
    type: "message",
    role: "assistant",
    content,
    model: requestedModel,
    stop_reason: refused ? "refusal" : anthropicStopReason(choice?.finish_reason, toolCalls.length > 0),
    stop_sequence: null,
    usage: anthropicUsage(completion.usage),
  };
}

export function anthropicMessageId(completionId: string | undefined): string {
  return `msg_${idSuffix(completionId)}`;
}

/**
 * `stop` → `end_turn`, `length` → `max_tokens`, `tool_calls` (and the legacy `function_call`) →
 * `tool_use`, `content_filter` → `refusal` (Anthropic's reason when a safety classifier stops
 * the turn). A `stop` that nevertheless carries tool calls is a `tool_use`, which is what the
 * client must act on. Anything else, or no reason at all, is `end_turn`.
 */
export function anthropicStopReason(finishReason: string | null | undefined, hasToolCalls: boolean): AnthropicStopReason {
  switch (finishReason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return hasToolCalls ? "tool_use" : "end_turn";
  }
}

/**
 * Chat usage in Anthropic's terms. Anthropic's `input_tokens` excludes prompt-cache reads (the
 * total input is `input_tokens + cache_read_input_tokens`), while chat `prompt_tokens` includes
 * them; so cached tokens, when reported, move to `cache_read_input_tokens`.
 */
export function anthropicUsage(usage: ChatUsage | null | undefined): AnthropicUsage {
  const prompt = usage?.prompt_tokens ?? 0;
  const cached = Math.min(usage?.prompt_tokens_details?.cached_tokens ?? 0, prompt);
  const out: AnthropicUsage = { input_tokens: prompt - cached, output_tokens: usage?.completion_tokens ?? 0 };
  if (cached > 0) out.cache_read_input_tokens = cached;
  return out;
}

/**
 * Tool-call arguments (a JSON string) as the `input` object Anthropic clients expect. Empty
 * arguments are `{}`. Arguments that are not a JSON object (malformed JSON, which a model cut off
 * by `max_tokens` can produce, or a JSON array or scalar) also become `{}`: `input` must be an
 * object, and a client handed a string where its schema promises an object would fail further
 * from the cause. The stop reason (`max_tokens`) still tells the client the call is incomplete.
 */
export function parseToolInput(args: string | undefined): Record<string, unknown> {
  if (args === undefined || args.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
