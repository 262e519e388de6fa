import type { ChatRequestJson } from "../types.js";
import { splitWords } from "./text.js";

export interface Limited {
  content: string;
  finishReason: "stop" | "length";
}

/**
 * Ends an answer where a model would: before the first occurrence of any `stop` sequence
 * (`finish_reason: "stop"`), or after `max_completion_tokens` / `max_tokens` words
 * (`finish_reason: "length"`, trailing whitespace dropped), whichever comes first.
 */
export function applyLimits(content: string, request: ChatRequestJson): Limited {
  const stopped = cutAtStop(content, stopSequences(request));
  const limit = tokenLimit(request);
  const words = splitWords(stopped);
  if (limit !== undefined && words.length > limit) {
    return { content: words.slice(0, limit).join("").trimEnd(), finishReason: "length" };
  }
  return { content: stopped, finishReason: "stop" };
}

/** The text before the earliest occurrence of any of the sequences (the whole text if none occurs). */
export function cutAtStop(text: string, stops: readonly string[]): string {
  let end = text.length;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at !== -1 && at < end) end = at;
  }
  return text.slice(0, end);
}

/** `stop` as a list: a string, or an array's non-empty strings. */
export function stopSequences(request: ChatRequestJson): string[] {
  const stop = request.stop;
  const list = typeof stop === "string" ? [stop] : Array.isArray(stop) ? stop : [];
  return list.filter((s): s is string => typeof s === "string" && s !== "");
}

/** `max_completion_tokens`, else `max_tokens`, when a whole number > 0. */
export function tokenLimit(request: ChatRequestJson): number | undefined {
  for (const value of [request.max_completion_tokens, request.max_tokens]) {
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}
