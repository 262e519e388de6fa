import { GatewayError } from "@switchyard/errors";
import type { ChatChunkJson, JsonObject, UsageJson } from "../types.js";
import { streamError } from "./errors.js";
import { finishReason, isObject, malformed, toUsage } from "./response.js";

const NONE: readonly ChatChunkJson[] = [];

/**
 * One Anthropic Messages stream translated to OpenAI chunks, event by event. Anthropic sends
 * message_start, then per content block content_block_start / _delta… / _stop, then message_delta
 * (stop_reason, output usage) and message_stop; ping may come anywhere, and unknown event types
 * are to be ignored (the docs say new ones may be added).
 */
export class AnthropicStreamTranslator {
  private id = "";
  private model = "";
  private readonly created: number;
  /** Usage so far: message_start carries the input side, message_delta the (cumulative) output. */
  private usage: JsonObject = {};
  /** Content block index → OpenAI tool_calls index (or -1 for the json tool's block, streamed as text). */
  private readonly toolIndex = new Map<number, number>();
  private tools = 0;
  private jsonToolUsed = false;
  private finished = false;
  private stopped = false;

  constructor(
    private readonly provider: string,
    private readonly jsonTool?: string,
    created = Math.floor(Date.now() / 1000),
  ) {
    this.created = created;
  }

  /** True once message_stop arrived: nothing more is expected. */
  get done(): boolean {
    return this.stopped;
  }

  /** The chunks one SSE event (its `data` text) becomes; thrown GatewayError for an `error` event. */
  event(data: string): readonly ChatChunkJson[] {
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      throw malformed(this.provider, "stream event is not JSON");
    }
    if (!isObject(value)) throw malformed(this.provider, "stream event is not a JSON object");
    switch (value.type) {
      case "message_start":
        return this.start(value.message);
      case "content_block_start":
        return this.blockStart(value.index, value.content_block);
      case "content_block_delta":
        return this.blockDelta(value.index, value.delta);
      case "message_delta":
        return this.messageDelta(value.delta, value.usage);
      case "message_stop":
        this.stopped = true;
        return [this.usageChunk()];
      case "error":
        throw streamError(this.provider, value);
      default:
        // ping, content_block_stop and event types newer than this code: nothing to say.
        return NONE;
    }
  }

  /**
   * What to send when the body ended: nothing after message_stop; the usage chunk when the answer
   * finished but message_stop went missing; otherwise the stream was cut short.
   */
  end(): readonly ChatChunkJson[] {
    if (this.stopped) return NONE;
    if (this.finished) {
      this.stopped = true;
      return [this.usageChunk()];
    }
    throw new GatewayError("upstream_error", `${this.provider} ended the stream before it finished`);
  }

  private start(message: unknown): readonly ChatChunkJson[] {
    if (!isObject(message)) throw malformed(this.provider, "message_start has no message");
    if (typeof message.id === "string") this.id = message.id;
    if (typeof message.model === "string") this.model = message.model;
    if (isObject(message.usage)) this.usage = { ...message.usage };
    return [this.chunk({ role: "assistant", content: "" })];
  }

  private blockStart(index: unknown, block: unknown): readonly ChatChunkJson[] {
    if (!isObject(block) || block.type !== "tool_use" || typeof index !== "number") {
      // A text block starts empty; its text comes in deltas. Thinking and server blocks are not relayed.
      return isObject(block) && block.type === "text" && typeof block.text === "string" && block.text !== ""
        ? [this.chunk({ content: block.text })]
        : NONE;
    }
    if (this.jsonTool !== undefined && block.name === this.jsonTool) {
      this.toolIndex.set(index, -1);
      this.jsonToolUsed = true;
      return NONE;
    }
    const toolIndex = this.tools++;
    this.toolIndex.set(index, toolIndex);
    return [
      this.chunk({ tool_calls: [{ index: toolIndex, id: block.id, type: "function", function: { name: block.name, arguments: "" } }] }),
    ];
  }

  private blockDelta(index: unknown, delta: unknown): readonly ChatChunkJson[] {
    if (!isObject(delta)) return NONE;
    if (delta.type === "text_delta") return typeof delta.text === "string" ? [this.chunk({ content: delta.text })] : NONE;
    if (delta.type !== "input_json_delta" || typeof delta.partial_json !== "string" || delta.partial_json === "") return NONE;
    const toolIndex = typeof index === "number" ? this.toolIndex.get(index) : undefined;
    if (toolIndex === undefined) return NONE;
    if (toolIndex < 0) return [this.chunk({ content: delta.partial_json })];
    return [this.chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] })];
  }

  private messageDelta(delta: unknown, usage: unknown): readonly ChatChunkJson[] {
    // message_delta's counts are cumulative; input-side ones may come again, or as null (unchanged).
    if (isObject(usage)) {
      for (const [key, value] of Object.entries(usage)) if (typeof value === "number") this.usage[key] = value;
    }
    const stopReason = isObject(delta) ? delta.stop_reason : undefined;
    if (stopReason == null) return NONE;
    this.finished = true;
    const reason = this.jsonToolUsed && this.tools === 0 && stopReason === "tool_use" ? "stop" : finishReason(stopReason);
    return [this.chunk({}, reason)];
  }

  private chunk(delta: JsonObject, finish: string | null = null): ChatChunkJson {
    return {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
  }

  private usageChunk(): ChatChunkJson {
    const usage: UsageJson = toUsage(this.usage);
    return { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model, choices: [], usage };
  }
}
