import type { ChatCompletionChunk, ChatToolCallDelta, ChatUsage } from "../chat-types.js";
import { idSuffix, randomId, toolCallKey } from "../common.js";
import { functionCallItemId, incompleteReason, itemStatus, messageItemId, nowSeconds, responseShell, responsesUsage } from "./response.js";
import type {
  ResponsesFunctionCall,
  ResponsesOutputItem,
  ResponsesOutputMessage,
  ResponsesOutputRefusal,
  ResponsesOutputText,
  ResponsesRequest,
  ResponsesResponse,
  ResponsesStreamEvent,
  ResponsesStreamEventData,
} from "./types.js";

export interface ResponsesStreamStart {
  /** The response id; `responseIdFrom(completionId)` derives one. Random when omitted. */
  id?: string;
  /** `created_at` (Unix seconds); default now. */
  createdAt?: number;
}

type Unsequenced<T> = T extends unknown ? Omit<T, "sequence_number"> : never;

interface OpenMessage {
  kind: "message";
  outputIndex: number;
  item: ResponsesOutputMessage;
  part: { contentIndex: number; value: ResponsesOutputText | ResponsesOutputRefusal } | undefined;
}

interface OpenCall {
  kind: "function_call";
  outputIndex: number;
  item: ResponsesFunctionCall;
}

interface ToolState {
  id: string | undefined;
  name: string;
  /** Arguments received before the name, sent when the item opens. */
  pending: string;
  /** The output item, once opened. */
  open: OpenCall | undefined;
}

/**
 * Turns the chunks of one chat completion stream into Responses API stream events:
 *
 *   response.created, response.in_progress
 *   per text answer: response.output_item.added (message), response.content_part.added,
 *     response.output_text.delta*, response.output_text.done, response.content_part.done,
 *     response.output_item.done
 *   per tool call: response.output_item.added (function_call),
 *     response.function_call_arguments.delta*, response.function_call_arguments.done,
 *     response.output_item.done
 *   response.completed, or response.incomplete when the chat stream stopped at `length` or
 *   `content_filter` (the final event carries the whole response, as `chatToResponse` builds it)
 *
 * Every event carries `type` and a `sequence_number` counting up from 0. Items are strictly
 * sequential (one finishes before the next is added). A refusal streams as a `refusal` content
 * part (`response.refusal.delta` / `.done`). Only choice 0 is translated.
 *
 * Should a provider interleave the fragments of two tool calls, fragments for an item already
 * done are still sent as `response.function_call_arguments.delta` on that item's output_index,
 * and the final response carries the complete arguments.
 *
 * Call `start` once, `push` per chunk, then `finish` once; `fail` ends the stream instead.
 */
export class ResponsesStreamTranslator {
  private sequence = 0;
  private started = false;
  private ended = false;
  private response: ResponsesResponse | undefined;
  private readonly output: ResponsesOutputItem[] = [];
  private open: OpenMessage | OpenCall | undefined;
  private readonly tools = new Map<number, ToolState>();
  private finishReason: string | null = null;
  private usage: ChatUsage | undefined;

  constructor(private readonly request: ResponsesRequest) {}

  start(meta: ResponsesStreamStart = {}): ResponsesStreamEvent[] {
    if (this.started) throw new Error("ResponsesStreamTranslator.start called twice");
    this.started = true;
    this.response = responseShell(this.request, { id: meta.id ?? randomId("resp_"), createdAt: meta.createdAt ?? nowSeconds() });
    return [
      this.event({ type: "response.created", response: clone(this.response) }),
      this.event({ type: "response.in_progress", response: clone(this.response) }),
    ];
  }

  push(chunk: ChatCompletionChunk): ResponsesStreamEvent[] {
    this.assertStarted();
    if (this.ended) return [];
    if (chunk.usage) this.usage = chunk.usage;
    const choice = (chunk.choices ?? []).find((c) => c.index === 0);
    if (!choice) return [];
    const out: ResponsesStreamEvent[] = [];
    const delta = choice.delta ?? {};
    if (typeof delta.content === "string" && delta.content.length > 0) this.content("output_text", delta.content, out);
    else if (typeof delta.refusal === "string" && delta.refusal.length > 0) this.content("refusal", delta.refusal, out);
    for (const call of delta.tool_calls ?? []) this.toolCall(call, out);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  /**
   * Finishes the open item and ends with `response.completed` (or `response.incomplete`) carrying
   * the full response. `usage` defaults to the stream's usage chunk; `completedAt` to now.
   */
  finish(usage?: ChatUsage | null, options: { completedAt?: number } = {}): ResponsesStreamEvent[] {
    const response = this.assertStarted();
    if (this.ended) return [];
    this.ended = true;
    const out: ResponsesStreamEvent[] = [];
    const incomplete = incompleteReason(this.finishReason);
    // A tool call whose name never arrived still gets its item, so its arguments are not lost.
    for (const [, state] of this.tools) if (!state.open) this.openCall(state, out);
    this.closeOpen(out, itemStatus(incomplete !== undefined));
    const known = usage ?? this.usage;
    const final: ResponsesResponse = {
      ...response,
      status: incomplete ? "incomplete" : "completed",
      completed_at: incomplete ? null : (options.completedAt ?? nowSeconds()),
      incomplete_details: incomplete ? { reason: incomplete } : null,
      output: clone(this.output),
      usage: known ? responsesUsage(known) : null,
    };
    out.push(this.event({ type: incomplete ? "response.incomplete" : "response.completed", response: final }));
    return out;
  }

  /**
   * Ends the stream with `response.failed` (status `failed`, `error` set, the output so far) for
   * a failure after the stream began. `code` is a Responses error code such as `server_error`
   * or `rate_limit_exceeded`.
   */
  fail(error: { code: string; message: string }): ResponsesStreamEvent[] {
    const response = this.assertStarted();
    if (this.ended) return [];
    this.ended = true;
    const failed: ResponsesResponse = {
      ...response,
      status: "failed",
      error: { code: error.code, message: error.message },
      output: clone(this.output),
    };
    return [this.event({ type: "response.failed", response: failed })];
  }

  private assertStarted(): ResponsesResponse {
    if (!this.response) throw new Error("ResponsesStreamTranslator.start must be called first");
    return this.response;
  }

  private event(data: Unsequenced<ResponsesStreamEventData>): ResponsesStreamEvent {
    const sequenced = { ...data, sequence_number: this.sequence++ } as ResponsesStreamEventData;
    return { event: sequenced.type, data: sequenced };
  }

  private get responseId(): string {
    return this.assertStarted().id;
  }

  private content(kind: "output_text" | "refusal", text: string, out: ResponsesStreamEvent[]): void {
    let message = this.open;
    if (message?.kind !== "message") {
      this.closeOpen(out, "completed");
      const outputIndex = this.output.length;
      const item: ResponsesOutputMessage = {
        type: "message",
        id: messageItemId(this.responseId, outputIndex),
        status: "in_progress",
        role: "assistant",
        content: [],
      };
      this.output.push(item);
      message = { kind: "message", outputIndex, item, part: undefined };
      this.open = message;
      out.push(this.event({ type: "response.output_item.added", output_index: outputIndex, item: clone(item) }));
    }
    const { item, outputIndex } = message;
    if (message.part?.value.type !== kind) {
      this.closePart(message, out);
      const value: ResponsesOutputText | ResponsesOutputRefusal =
        kind === "output_text" ? { type: "output_text", text: "", annotations: [] } : { type: "refusal", refusal: "" };
      const contentIndex = item.content.length;
      item.content.push(value);
      message.part = { contentIndex, value };
      out.push(
        this.event({
          type: "response.content_part.added",
          item_id: item.id,
          output_index: outputIndex,
          content_index: contentIndex,
          part: clone(value),
        }),
      );
    }
    const { contentIndex, value } = message.part;
    if (value.type === "output_text") {
      value.text += text;
      out.push(
        this.event({
          type: "response.output_text.delta",
          item_id: item.id,
          output_index: outputIndex,
          content_index: contentIndex,
          delta: text,
          logprobs: [],
        }),
      );
    } else {
      value.refusal += text;
      out.push(
        this.event({
          type: "response.refusal.delta",
          item_id: item.id,
          output_index: outputIndex,
          content_index: contentIndex,
          delta: text,
        }),
      );
    }
  }

  private toolCall(call: ChatToolCallDelta, out: ResponsesStreamEvent[]): void {
    const key = toolCallKey(call, this.tools);
    let state = this.tools.get(key);
    if (!state) {
      state = { id: undefined, name: "", pending: "", open: undefined };
      this.tools.set(key, state);
    }
    if (call.id && !state.id) state.id = call.id;
    const args = call.function?.arguments ?? "";
    if (!state.open) {
      if (call.function?.name) state.name += call.function.name;
      state.pending += args;
      if (state.name) this.openCall(state, out);
      return;
    }
    if (args.length > 0) this.appendArguments(state.open, args, out);
  }

  private openCall(state: ToolState, out: ResponsesStreamEvent[]): void {
    this.closeOpen(out, "completed");
    const outputIndex = this.output.length;
    const item: ResponsesFunctionCall = {
      type: "function_call",
      id: functionCallItemId(this.responseId, outputIndex),
      call_id: state.id ?? `call_${idSuffix(this.responseId)}_${outputIndex}`,
      name: state.name,
      arguments: "",
      status: "in_progress",
    };
    this.output.push(item);
    state.open = { kind: "function_call", outputIndex, item };
    this.open = state.open;
    out.push(this.event({ type: "response.output_item.added", output_index: outputIndex, item: clone(item) }));
    if (state.pending.length > 0) {
      this.appendArguments(state.open, state.pending, out);
      state.pending = "";
    }
  }

  private appendArguments(call: OpenCall, args: string, out: ResponsesStreamEvent[]): void {
    call.item.arguments += args;
    out.push(
      this.event({ type: "response.function_call_arguments.delta", item_id: call.item.id, output_index: call.outputIndex, delta: args }),
    );
  }

  private closePart(message: OpenMessage, out: ResponsesStreamEvent[]): void {
    if (!message.part) return;
    const { contentIndex, value } = message.part;
    const at = { item_id: message.item.id, output_index: message.outputIndex, content_index: contentIndex };
    if (value.type === "output_text") out.push(this.event({ type: "response.output_text.done", ...at, text: value.text, logprobs: [] }));
    else out.push(this.event({ type: "response.refusal.done", ...at, refusal: value.refusal }));
    out.push(this.event({ type: "response.content_part.done", ...at, part: clone(value) }));
    message.part = undefined;
  }

  private closeOpen(out: ResponsesStreamEvent[], status: "completed" | "incomplete"): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    if (open.kind === "message") this.closePart(open, out);
    else {
      const { item, outputIndex } = open;
      out.push(
        this.event({
          type: "response.function_call_arguments.done",
          item_id: item.id,
          output_index: outputIndex,
          name: item.name,
          arguments: item.arguments,
        }),
      );
    }
    open.item.status = status;
    out.push(this.event({ type: "response.output_item.done", output_index: open.outputIndex, item: clone(open.item) }));
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
