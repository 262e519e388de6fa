import { randomUUID } from "node:crypto";
import { GatewayError } from "@switchyard/errors";
import type { ChatCompletionJson, EmbeddingsResponseJson, JsonObject, UsageJson } from "../types.js";
import { type GeminiContent, type GeminiPart, isObject, syntheticCallId } from "./request.js";

/** Gemini's `GenerateContentResponse`, the fields the gateway reads (one per streamed frame too). */
export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: GeminiUsage;
  modelVersion?: string;
  responseId?: string;
}

export interface GeminiCandidate {
  content?: Partial<GeminiContent>;
  finishReason?: string;
  index?: number;
}

export interface GeminiUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

/** Finish reasons that mean Gemini stopped because of a safety or policy filter. */
const FILTERED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT"]);

/** OpenAI's finish_reason for a Gemini one; `called`: the candidate called a function. Unspecified → null. */
export function finishReasonOf(reason: string | undefined, called: boolean): string | null {
  if (!reason || reason === "FINISH_REASON_UNSPECIFIED") return null;
  if (reason === "MAX_TOKENS") return "length";
  if (FILTERED.has(reason)) return "content_filter";
  return called ? "tool_calls" : "stop";
}

/**
 * The prompt itself was blocked (no candidates, a `promptFeedback.blockReason`): a final
 * `content_filtered` error naming the reason, since there is no answer to translate.
 */
export function checkPromptBlocked(response: GeminiResponse, provider: string): void {
  const reason = response.promptFeedback?.blockReason;
  if (!reason || (response.candidates && response.candidates.length > 0)) return;
  throw new GatewayError(
    "content_filtered",
    `${provider} blocked the prompt (${reason}${response.promptFeedback?.blockReasonMessage ? `: ${response.promptFeedback.blockReasonMessage}` : ""})`,
    {
      upstreamStatus: 200,
    },
  );
}

/** Gemini's token counts as OpenAI's usage: thoughts count as completion (reasoning) tokens, as OpenAI counts them. */
export function usageOf(usage: GeminiUsage | undefined): UsageJson {
  const prompt = (usage?.promptTokenCount ?? 0) + (usage?.toolUsePromptTokenCount ?? 0);
  const reasoning = usage?.thoughtsTokenCount ?? 0;
  const completion = (usage?.candidatesTokenCount ?? 0) + reasoning;
  const result: UsageJson = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage?.totalTokenCount ?? prompt + completion,
  };
  if (usage?.cachedContentTokenCount) result.prompt_tokens_details = { cached_tokens: usage.cachedContentTokenCount };
  if (reasoning) result.completion_tokens_details = { reasoning_tokens: reasoning };
  return result;
}

/** An OpenAI tool call for a Gemini function call part; `index` counts calls within the candidate. */
export function toolCallOf(part: GeminiPart, index: number): JsonObject {
  const call = part.functionCall!;
  const toolCall: JsonObject = {
    id: call.id || syntheticCallId(index),
    type: "function",
    function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
  };
  if (part.thoughtSignature) toolCall.extra_content = { google: { thought_signature: part.thoughtSignature } };
  return toolCall;
}

/** The text, thought text and tool calls of a candidate's parts. */
export function splitParts(parts: GeminiPart[] | undefined, firstCall: number): { text: string; thoughts: string; calls: JsonObject[] } {
  let text = "";
  let thoughts = "";
  const calls: JsonObject[] = [];
  for (const part of parts ?? []) {
    if (part.functionCall) calls.push(toolCallOf(part, firstCall + calls.length));
    else if (typeof part.text === "string") {
      if (part.thought) thoughts += part.text;
      else text += part.text;
    }
  }
  return { text, thoughts, calls };
}

/** A non-streamed `generateContent` answer as a `chat.completion`. */
export function fromGeminiResponse(
  response: GeminiResponse,
  model: string,
  provider: string,
  created = Math.floor(Date.now() / 1000),
): ChatCompletionJson {
  checkPromptBlocked(response, provider);
  const candidates = response.candidates;
  if (!Array.isArray(candidates) || candidates.length === 0) throw malformed(provider, "the answer has no candidates");
  const choices = candidates.map((candidate, position) => {
    const { text, thoughts, calls } = splitParts(candidate.content?.parts, 0);
    const message: JsonObject = { role: "assistant", content: text === "" && calls.length > 0 ? null : text };
    if (thoughts) message.reasoning_content = thoughts;
    if (calls.length > 0) message.tool_calls = calls;
    return {
      index: candidate.index ?? position,
      message,
      finish_reason: finishReasonOf(candidate.finishReason, calls.length > 0) ?? "stop",
      logprobs: null,
    };
  });
  return {
    id: completionId(response.responseId),
    object: "chat.completion",
    created,
    model: response.modelVersion ?? model,
    choices,
    usage: usageOf(response.usageMetadata),
  };
}

export function completionId(responseId: string | undefined): string {
  return `chatcmpl-${responseId ?? randomUUID()}`;
}

/** Gemini sends no token counts for embeddings: estimated at four characters a token, as OpenAI's rule of thumb. */
export function estimateTokens(texts: readonly string[]): number {
  let chars = 0;
  for (const text of texts) chars += text.length;
  return Math.ceil(chars / 4);
}

/** `embedContent` (`{embedding}`) or `batchEmbedContents` (`{embeddings}`) as OpenAI's embeddings list. */
export function fromGeminiEmbeddings(
  answer: unknown,
  texts: readonly string[],
  model: string,
  provider: string,
  base64 = false,
): EmbeddingsResponseJson {
  const vectors = isObject(answer)
    ? Array.isArray(answer.embeddings)
      ? answer.embeddings
      : isObject(answer.embedding)
        ? [answer.embedding]
        : undefined
    : undefined;
  if (!vectors || vectors.length !== texts.length) throw malformed(provider, `expected ${texts.length} embeddings`);
  const data = vectors.map((vector: unknown, index) => {
    const values = isObject(vector) && Array.isArray(vector.values) ? (vector.values as number[]) : undefined;
    if (!values) throw malformed(provider, "an embedding has no values");
    return { object: "embedding", index, embedding: base64 ? Buffer.from(new Float32Array(values).buffer).toString("base64") : values };
  });
  const tokens = estimateTokens(texts);
  return { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

export function malformed(provider: string, problem: string): GatewayError {
  return new GatewayError("upstream_error", `${provider} sent a malformed answer: ${problem}`);
}
