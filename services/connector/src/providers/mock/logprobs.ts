import type { ChatRequestJson, JsonObject } from "../types.js";

/** What the request asked for: `logprobs: true`, with `top_logprobs` alternatives per token (0–20). */
export interface LogprobsRequest {
  top: number;
}

const MAX_TOP = 20;

/**
 * Alternatives offered in `top_logprobs` after the token itself, in this order, skipping one
 * equal to the token. More than MAX_TOP so that enough remain.
 */
const ALTERNATIVES = [
  "the",
  "a",
  "and",
  "of",
  "to",
  "in",
  "is",
  "it",
  "that",
  "for",
  "on",
  "with",
  "as",
  "was",
  "at",
  "by",
  "be",
  "this",
  "or",
  ",",
  ".",
  "!",
];

export function logprobsRequest(request: ChatRequestJson): LogprobsRequest | undefined {
  if (request.logprobs !== true) return undefined;
  const top = request.top_logprobs;
  return { top: typeof top === "number" && Number.isInteger(top) && top > 0 ? Math.min(top, MAX_TOP) : 0 };
}

/**
 * A choice's `logprobs` for these content tokens: `{content: [...], refusal: null}`. Every token
 * is certain (`logprob: 0`); with `top > 0` its `top_logprobs` list the token itself, then
 * `top - 1` fixed alternatives at logprob -1, -2, …
 */
export function choiceLogprobs(tokens: readonly string[], options: LogprobsRequest): JsonObject {
  return { content: tokens.map((token) => tokenLogprob(token, options.top)), refusal: null };
}

export function tokenLogprob(token: string, top: number): JsonObject {
  const alternatives = ALTERNATIVES.filter((alt) => alt !== token).slice(0, Math.max(0, top - 1));
  return {
    token,
    logprob: 0,
    bytes: bytesOf(token),
    top_logprobs:
      top > 0
        ? [
            { token, logprob: 0, bytes: bytesOf(token) },
            ...alternatives.map((alt, i) => ({ token: alt, logprob: -(i + 1), bytes: bytesOf(alt) })),
          ]
        : [],
  };
}

function bytesOf(text: string): number[] {
  return [...Buffer.from(text, "utf8")];
}
