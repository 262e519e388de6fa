import { GatewayError } from "@switchyard/errors";
import type { ChatCompletionJson, EmbeddingsResponseJson, JsonObject, UsageJson } from "../types.js";

/** Converse's stop reasons as OpenAI finish reasons; anything unknown ends as "stop". */
const FINISH_REASONS: Record<string, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  guardrail_intervened: "content_filter",
  content_filtered: "content_filter",
};

export function finishReasonOf(stopReason: unknown): string {
  return (typeof stopReason === "string" && FINISH_REASONS[stopReason]) || "stop";
}

/** Converse's `usage` (inputTokens, outputTokens, cacheReadInputTokens) as OpenAI's. */
export function usageOf(usage: unknown): UsageJson {
  const u = isObject(usage) ? usage : {};
  const prompt = count(u.inputTokens);
  const completion = count(u.outputTokens);
  const result: UsageJson = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: count(u.totalTokens) || prompt + completion,
  };
  if (typeof u.cacheReadInputTokens === "number") result.prompt_tokens_details = { cached_tokens: u.cacheReadInputTokens };
  return result;
}

/** Identity of one answer: Bedrock's answers carry no id or timestamp, so the gateway makes them. */
export interface AnswerIdentity {
  id: string;
  created: number;
  model: string;
}

/** A Converse answer (`{output:{message}, stopReason, usage}`) as a `chat.completion`. */
export function fromConverseResponse(value: unknown, identity: AnswerIdentity, provider: string): ChatCompletionJson {
  if (!isObject(value) || !isObject(value.output)) throw malformed(provider, "answer has no output");
  const message = isObject(value.output.message) ? value.output.message : undefined;
  if (!message || !Array.isArray(message.content)) throw malformed(provider, "answer has no output message");

  let text: string | null = null;
  const toolCalls: JsonObject[] = [];
  for (const block of message.content as unknown[]) {
    if (!isObject(block)) continue;
    if (typeof block.text === "string") text = text === null ? block.text : text + block.text;
    else if (isObject(block.toolUse)) {
      const use = block.toolUse;
      toolCalls.push({
        id: use.toolUseId,
        type: "function",
        function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) },
      });
    }
    // Reasoning and other blocks have no place in a chat.completion message.
  }

  const answer: JsonObject = { role: "assistant", content: text };
  if (toolCalls.length > 0) answer.tool_calls = toolCalls;
  return {
    id: identity.id,
    object: "chat.completion",
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, message: answer, finish_reason: finishReasonOf(value.stopReason), logprobs: null }],
    usage: usageOf(value.usage),
  };
}

/** Titan's answers (one per input, `{embedding, inputTextTokenCount}`) as one embeddings list. */
export function fromTitanEmbeddings(values: unknown[], model: string, provider: string): EmbeddingsResponseJson {
  let tokens = 0;
  const data = values.map((value, index) => {
    if (!isObject(value) || !Array.isArray(value.embedding)) throw malformed(provider, "embedding answer has no embedding");
    tokens += count(value.inputTextTokenCount);
    return { object: "embedding", index, embedding: value.embedding };
  });
  return { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

/** Cohere's answer (`{embeddings:[[…]]}`) as an embeddings list; its token count comes from a response header. */
export function fromCohereEmbeddings(value: unknown, model: string, inputTokens: number, provider: string): EmbeddingsResponseJson {
  if (!isObject(value) || !Array.isArray(value.embeddings)) throw malformed(provider, "embedding answer has no embeddings");
  const data = (value.embeddings as unknown[]).map((embedding, index) => ({ object: "embedding", index, embedding }));
  return { object: "list", data, model, usage: { prompt_tokens: inputTokens, total_tokens: inputTokens } };
}

export function malformed(provider: string, problem: string): GatewayError {
  return new GatewayError("upstream_error", `${provider} sent a malformed answer: ${problem}`);
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
