import { readFileSync } from "node:fs";
import type { ChatChunkChoice, ChatCompletionChunk } from "../chat-types.js";

/**
 * Reads a JSON fixture from `src/translate/test-support/fixtures/`. Tests run from
 * `dist/translate/test-support/`, which tsc does not copy JSON into, so the path points back at `src/`.
 */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../src/translate/test-support/fixtures/${name}`, import.meta.url), "utf8")) as T;
}

/** A deep copy through JSON, i.e. exactly what a client receives once the object is serialised. */
export function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** One chat stream chunk of choice 0, as the stream translators' tests feed them. */
export const chunk = (delta: NonNullable<ChatChunkChoice["delta"]>, finish_reason: string | null = null): ChatCompletionChunk => ({
  id: "chatcmpl-123",
  object: "chat.completion.chunk",
  created: 1694268190,
  model: "gpt-4o-mini",
  choices: [{ index: 0, delta, finish_reason }],
});

/** The `delta` of a chat chunk carrying one tool-call fragment. */
export const toolDelta = (index: number, fields: { id?: string; name?: string; args?: string }) => ({
  tool_calls: [
    {
      index,
      ...(fields.id ? { id: fields.id, type: "function" as const } : {}),
      function: { ...(fields.name ? { name: fields.name } : {}), ...(fields.args !== undefined ? { arguments: fields.args } : {}) },
    },
  ],
});
