import type { ChatChunkJson, JsonObject, UsageJson } from "../types.js";
import { type AnswerIdentity, finishReasonOf, usageOf } from "./response.js";

/** What one ConverseStream answer has said so far: the translation's only state. */
export interface ConverseStreamState {
  readonly identity: AnswerIdentity;
  /** OpenAI tool call index of each Converse content block that is a tool use. */
  readonly toolIndexOfBlock: Map<number, number>;
  finishReason: string | undefined;
  usage: UsageJson | undefined;
}

export function newStreamState(identity: AnswerIdentity): ConverseStreamState {
  return { identity, toolIndexOfBlock: new Map(), finishReason: undefined, usage: undefined };
}

/**
 * One ConverseStream event (its `:event-type` and parsed JSON payload) as the chunk it makes, if
 * any: messageStart → the role, text and tool-input deltas → content and tool call deltas,
 * contentBlockStart of a tool use → the call's id and name, messageStop → the finish reason,
 * metadata → the usage chunk (choices: []). Block stops and unknown events make none.
 */
export function chunkOfStreamEvent(state: ConverseStreamState, eventType: string, payload: JsonObject): ChatChunkJson | undefined {
  switch (eventType) {
    case "messageStart":
      return chunk(state, { role: "assistant", content: "" }, null);
    case "contentBlockStart": {
      const start = isObject(payload.start) ? payload.start : undefined;
      if (!start || !isObject(start.toolUse)) return undefined;
      const index = state.toolIndexOfBlock.size;
      state.toolIndexOfBlock.set(blockIndex(payload), index);
      const call = { index, id: start.toolUse.toolUseId, type: "function", function: { name: start.toolUse.name, arguments: "" } };
      return chunk(state, { tool_calls: [call] }, null);
    }
    case "contentBlockDelta": {
      const delta = isObject(payload.delta) ? payload.delta : undefined;
      if (!delta) return undefined;
      if (typeof delta.text === "string") return chunk(state, { content: delta.text }, null);
      if (isObject(delta.toolUse) && typeof delta.toolUse.input === "string") {
        const index = state.toolIndexOfBlock.get(blockIndex(payload));
        if (index === undefined) return undefined;
        return chunk(state, { tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] }, null);
      }
      return undefined;
    }
    case "messageStop":
      state.finishReason = finishReasonOf(payload.stopReason);
      return chunk(state, {}, state.finishReason);
    case "metadata":
      state.usage = usageOf(payload.usage);
      return usageChunk(state, state.usage);
    default:
      return undefined;
  }
}

/** The closing chunk every stream ends with: no choices, the usage. */
export function usageChunk(state: ConverseStreamState, usage: UsageJson): ChatChunkJson {
  const { id, created, model } = state.identity;
  return { id, object: "chat.completion.chunk", created, model, choices: [], usage };
}

function chunk(state: ConverseStreamState, delta: JsonObject, finishReason: string | null): ChatChunkJson {
  const { id, created, model } = state.identity;
  return {
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

function blockIndex(payload: JsonObject): number {
  return typeof payload.contentBlockIndex === "number" ? payload.contentBlockIndex : 0;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
