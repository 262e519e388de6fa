import type { ChatCompletionChunk, ChatToolCallDelta, ChatUsage } from "../chat-types.js";
import { idSuffix, randomId, toolCallKey } from "../common.js";
import { anthropicStopReason, anthropicUsage } from "./response.js";
import type { AnthropicMessageDeltaEvent, AnthropicStreamEvent, AnthropicStreamEventData } from "./types.js";

export interface AnthropicStreamStart {
  /** The model the client asked for; echoed in `message_start`. */
  model: string;
  /** The message id; `anthropicMessageId(completionId)` derives one. Random when omitted. */
  id?: string;
  /** Input tokens when already known (a chat stream only reports usage at its end). */
  inputTokens?: number;
}

interface ToolState {
  id: string | undefined;
  name: string;
  /** Arguments received before the name, sent when the block opens. */
  pending: string;
  /** The Anthropic content block index, once the block is open. */
  block: number | undefined;
}

const event = (data: AnthropicStreamEventData): AnthropicStreamEvent => ({ event: data.type, data });

/**
 * Turns the chunks of one chat completion stream into Anthropic Messages stream events:
 *
 *   message_start
 *   (content_block_start, content_block_delta*, content_block_stop) per content block
 *   message_delta (stop_reason, usage)
 *   message_stop
 *
 * Text deltas form `text` blocks (`text_delta`); each tool call forms a `tool_use` block whose
 * arguments arrive as `input_json_delta` fragments. Blocks are strictly sequential: a block is
 * stopped before the next one starts, as Anthropic streams them. Only choice 0 is translated.
 *
 * Chat streams send a tool call's fragments contiguously (OpenAI does). Should a provider
 * interleave them, fragments for a call whose block was already stopped are still sent as
 * `input_json_delta` on that block's index, so index-keyed accumulators (both official SDKs key
 * deltas by index) still assemble the full input.
 *
 * Call `start` once, `push` per chunk, then `finish` once; `error` ends the stream instead.
 */
export class AnthropicStreamTranslator {
  private started = false;
  private ended = false;
  private messageId = "";
  private nextBlock = 0;
  private open: { kind: "text" | "tool"; block: number } | undefined;
  private readonly tools = new Map<number, ToolState>();
  private finishReason: string | null = null;
  private usage: ChatUsage | undefined;
  private sawText = false;
  private sawRefusal = false;

  start(meta: AnthropicStreamStart): AnthropicStreamEvent[] {
    if (this.started) throw new Error("AnthropicStreamTranslator.start called twice");
    this.started = true;
    this.messageId = meta.id ?? randomId("msg_");
    return [
      event({
        type: "message_start",
        message: {
          id: this.messageId,
          type: "message",
          role: "assistant",
          content: [],
          model: meta.model,
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: meta.inputTokens ?? 0, output_tokens: 0 },
        },
      }),
    ];
  }

  push(chunk: ChatCompletionChunk): AnthropicStreamEvent[] {
    this.assertStarted();
    if (this.ended) return [];
    if (chunk.usage) this.usage = chunk.usage;
    const choice = (chunk.choices ?? []).find((c) => c.index === 0);
    if (!choice) return [];
    const out: AnthropicStreamEvent[] = [];
    const delta = choice.delta ?? {};
    if (typeof delta.content === "string" && delta.content.length > 0) {
      this.sawText = true;
      this.text(delta.content, out);
    } else if (typeof delta.refusal === "string" && delta.refusal.length > 0) {
      this.sawRefusal = true;
      this.text(delta.refusal, out);
    }
    for (const call of delta.tool_calls ?? []) this.toolCall(call, out);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  /** Closes the last block and ends the message. `usage` defaults to the stream's usage chunk. */
  finish(usage?: ChatUsage | null): AnthropicStreamEvent[] {
    this.assertStarted();
    if (this.ended) return [];
    this.ended = true;
    const out: AnthropicStreamEvent[] = [];
    // A tool call whose name never arrived still gets its block, so its arguments are not lost.
    for (const state of this.tools.values()) if (state.block === undefined) this.openTool(state, out);
    this.closeOpen(out);
    const refused = this.sawRefusal && !this.sawText;
    const stopReason = refused ? "refusal" : anthropicStopReason(this.finishReason, this.tools.size > 0);
    const known = usage ?? this.usage;
    const deltaUsage: AnthropicMessageDeltaEvent["usage"] = { output_tokens: known?.completion_tokens ?? 0 };
    if (known) {
      const mapped = anthropicUsage(known);
      deltaUsage.input_tokens = mapped.input_tokens;
      if (mapped.cache_read_input_tokens !== undefined) deltaUsage.cache_read_input_tokens = mapped.cache_read_input_tokens;
    }
    out.push(event({ type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: deltaUsage }));
    out.push(event({ type: "message_stop" }));
    return out;
  }

  /**
   * Ends the stream with Anthropic's mid-stream `error` event (the HTTP status is already 200).
   * `type` is an Anthropic error type such as `overloaded_error` or `api_error`.
   */
  error(error: { type: string; message: string }): AnthropicStreamEvent[] {
    this.assertStarted();
    if (this.ended) return [];
    this.ended = true;
    return [event({ type: "error", error: { type: error.type, message: error.message } })];
  }

  /** A keep-alive `ping` event; valid anywhere after `message_start`. */
  static ping(): AnthropicStreamEvent {
    return event({ type: "ping" });
  }

  private assertStarted(): void {
    if (!this.started) throw new Error("AnthropicStreamTranslator.start must be called first");
  }

  private text(text: string, out: AnthropicStreamEvent[]): void {
    if (this.open?.kind !== "text") {
      this.closeOpen(out);
      const block = this.nextBlock++;
      this.open = { kind: "text", block };
      out.push(event({ type: "content_block_start", index: block, content_block: { type: "text", text: "" } }));
    }
    out.push(event({ type: "content_block_delta", index: this.open.block, delta: { type: "text_delta", text } }));
  }

  private toolCall(call: ChatToolCallDelta, out: AnthropicStreamEvent[]): void {
    const key = toolCallKey(call, this.tools);
    let state = this.tools.get(key);
    if (!state) {
      state = { id: undefined, name: "", pending: "", block: undefined };
      this.tools.set(key, state);
    }
    if (call.id && !state.id) state.id = call.id;
    const args = call.function?.arguments ?? "";
    if (state.block === undefined) {
      if (call.function?.name) state.name += call.function.name;
      state.pending += args;
      if (state.name) this.openTool(state, out);
      return;
    }
    if (args.length > 0)
      out.push(event({ type: "content_block_delta", index: state.block, delta: { type: "input_json_delta", partial_json: args } }));
  }

  private openTool(state: ToolState, out: AnthropicStreamEvent[]): void {
    this.closeOpen(out);
    const block = this.nextBlock++;
    state.block = block;
    this.open = { kind: "tool", block };
    const id = state.id ?? `toolu_${idSuffix(this.messageId)}_${block}`;
    out.push(event({ type: "content_block_start", index: block, content_block: { type: "tool_use", id, name: state.name, input: {} } }));
    if (state.pending.length > 0) {
      out.push(event({ type: "content_block_delta", index: block, delta: { type: "input_json_delta", partial_json: state.pending } }));
      state.pending = "";
    }
  }

  private closeOpen(out: AnthropicStreamEvent[]): void {
    if (!this.open) return;
    out.push(event({ type: "content_block_stop", index: this.open.block }));
    this.open = undefined;
  }
}
