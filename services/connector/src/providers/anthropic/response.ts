import { GatewayError } from "@switchyard/errors";
import type { ChatCompletionJson, JsonObject, UsageJson } from "../types.js";

export interface AnswerOptions {
  /** The provider's name from the config, for error messages. */
  provider: string;
  /** The forced tool that carries a json_schema answer (see `toAnthropicRequest`), if any. */
  jsonTool?: string | undefined;
  /** Unix seconds for `created` (Anthropic's answer has no timestamp). */
  created?: number;
}

/** Anthropic's `stop_reason` as OpenAI's `finish_reason`. */
export function finishReason(stopReason: unknown): string {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      // end_turn, stop_sequence, pause_turn (a server tool's turn paused: the text so far is whole).
      return "stop";
  }
}

/**
 * Anthropic's usage as OpenAI's. Anthropic counts cached input apart from `input_tokens`; OpenAI's
 * prompt_tokens include it, with the cache reads also in `prompt_tokens_details.cached_tokens`.
 */
export function toUsage(usage: unknown): UsageJson {
  const u = isObject(usage) ? usage : {};
  const cacheRead = count(u.cache_read_input_tokens);
  const prompt = count(u.input_tokens) + cacheRead + count(u.cache_creation_input_tokens);
  const completion = count(u.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
}

/** A Messages API `message` object as an OpenAI `chat.completion`. */
export function toChatCompletion(message: unknown, options: AnswerOptions): ChatCompletionJson {
  if (!isObject(message) || message.type !== "message" || !Array.isArray(message.content)) {
    throw malformed(options.provider, "the answer is not a message with content");
  }
  let text = "";
  const toolCalls: JsonObject[] = [];
  let answeredByJsonTool = false;
  for (const block of message.content as unknown[]) {
    if (!isObject(block)) continue;
    if (block.type === "text" && typeof block.text === "string") {
      text += block.text;
    } else if (block.type === "tool_use") {
      if (options.jsonTool !== undefined && block.name === options.jsonTool) {
        text += JSON.stringify(block.input ?? {});
        answeredByJsonTool = true;
      } else {
        toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
      }
    }
    // thinking, redacted_thinking and server-tool blocks have no place in a chat.completion.
  }
  const assistant: JsonObject = { role: "assistant", content: text === "" && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) assistant.tool_calls = toolCalls;
  const reason =
    answeredByJsonTool && toolCalls.length === 0 && message.stop_reason === "tool_use" ? "stop" : finishReason(message.stop_reason);
  return {
    id: typeof message.id === "string" ? message.id : "",
    object: "chat.completion",
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: typeof message.model === "string" ? message.model : "",
    choices: [{ index: 0, message: assistant, logprobs: null, finish_reason: reason }],
    usage: toUsage(message.usage),
  };
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

export function malformed(provider: string, problem: string): GatewayError {
  return new GatewayError("upstream_error", `${provider} sent a malformed answer: ${problem}`);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
