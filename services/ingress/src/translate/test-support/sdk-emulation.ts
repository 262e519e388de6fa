import assert from "node:assert/strict";
import type { AnthropicMessage, AnthropicStreamEvent } from "../anthropic/types.js";
import type { ResponsesOutputItem, ResponsesResponse, ResponsesStreamEvent } from "../responses/types.js";
import { wire } from "./fixtures.js";

/*
 * Test helpers that consume translated output the way the official client SDKs do, asserting the
 * protocol rules those SDKs enforce. Written from the documented behaviour (event order, index
 * and id routing), not copied from the SDKs.
 */

/** What the official OpenAI SDKs compute client-side as `response.output_text`. */
export function outputText(response: ResponsesResponse): string {
  return response.output
    .filter((item) => item.type === "message")
    .flatMap((item) => item.content)
    .map((part) => (part.type === "output_text" ? part.text : ""))
    .join("");
}

/**
 * Rebuilds the final Anthropic message from stream events (blocks appended in index order, deltas
 * applied by index, `message_delta` setting the stop reason and usage), asserting: `message_start`
 * first, one block open at a time, every block stopped before `message_delta`, nothing after
 * `message_stop`. `allowLateDeltas` admits deltas for an already-stopped block.
 */
export function accumulateAnthropic(events: AnthropicStreamEvent[], { allowLateDeltas = false } = {}): AnthropicMessage {
  let message: AnthropicMessage | undefined;
  let open: number | undefined;
  let stopped = false;
  const json = new Map<number, string>();
  for (const { event, data } of wire(events)) {
    assert.equal(event, data.type, "the SSE event name is the data's type");
    assert.ok(!stopped, `${event} after message_stop`);
    if (data.type === "message_start") {
      assert.equal(message, undefined, "a second message_start");
      assert.deepEqual(data.message.content, []);
      message = data.message;
      continue;
    }
    assert.ok(message, `${event} before message_start`);
    switch (data.type) {
      case "ping":
        break;
      case "content_block_start":
        assert.equal(open, undefined, "a block started while another is open");
        assert.equal(data.index, message.content.length, "blocks start in index order");
        message.content.push(data.content_block);
        open = data.index;
        break;
      case "content_block_delta": {
        if (!allowLateDeltas) assert.equal(data.index, open, "delta for a block that is not open");
        const block = message.content[data.index];
        assert.ok(block, "delta for a block that never started");
        if (data.delta.type === "text_delta") {
          assert.equal(block.type, "text");
          if (block.type === "text") block.text += data.delta.text;
        } else {
          assert.equal(block.type, "tool_use");
          json.set(data.index, (json.get(data.index) ?? "") + data.delta.partial_json);
        }
        break;
      }
      case "content_block_stop":
        assert.equal(data.index, open, "stop for a block that is not open");
        open = undefined;
        break;
      case "message_delta":
        assert.equal(open, undefined, "message_delta with a block still open");
        message.stop_reason = data.delta.stop_reason;
        message.stop_sequence = data.delta.stop_sequence;
        message.usage.output_tokens = data.usage.output_tokens;
        if (data.usage.input_tokens !== undefined) message.usage.input_tokens = data.usage.input_tokens;
        if (data.usage.cache_read_input_tokens !== undefined) message.usage.cache_read_input_tokens = data.usage.cache_read_input_tokens;
        break;
      case "message_stop":
        stopped = true;
        break;
      case "error":
        assert.fail(`error event: ${data.error.message}`);
    }
  }
  assert.ok(message && stopped, "the stream did not end with message_stop");
  message.content.forEach((block, i) => {
    if (block.type === "tool_use") block.input = JSON.parse(json.get(i) || "{}") as Record<string, unknown>;
  });
  return message;
}

export interface AccumulatedResponse {
  /** The response rebuilt from `response.created` and the item events. */
  built: ResponsesResponse;
  /** The response carried by the terminal event (`response.completed` / `.incomplete` / `.failed`). */
  final: ResponsesResponse;
  terminal: string;
}

/**
 * Rebuilds a Responses API response from stream events, asserting what the official SDK's
 * accumulator checks: `response.created` first; `sequence_number` 0, 1, 2, …; items appended at
 * `output_index === output.length` with unique ids; every item-scoped event's `item_id` matching
 * the item at its `output_index`, of the right type; content parts appended in order; `.done`
 * events repeating the accumulated value. It also asserts that one item is open at a time
 * (unless `allowLateDeltas`) and that the terminal event comes last.
 */
export function accumulateResponses(events: ResponsesStreamEvent[], { allowLateDeltas = false } = {}): AccumulatedResponse {
  let built: ResponsesResponse | undefined;
  let final: ResponsesResponse | undefined;
  let terminal = "";
  let openItem: number | undefined;
  const ids = new Set<string>();
  const itemAt = (index: number, id: string, type: ResponsesOutputItem["type"]): ResponsesOutputItem => {
    const item = built?.output[index];
    assert.ok(item, `no output item at index ${index}`);
    assert.equal(item.id, id, "item_id does not match the item at output_index");
    assert.equal(item.type, type);
    return item;
  };
  wire(events).forEach(({ event, data }, i) => {
    assert.equal(event, data.type, "the SSE event name is the data's type");
    assert.equal(data.sequence_number, i, "sequence numbers count up from 0");
    assert.equal(final, undefined, `${event} after the terminal event`);
    if (data.type === "response.created") {
      assert.equal(built, undefined, "a second response.created");
      assert.equal(data.response.status, "in_progress");
      assert.deepEqual(data.response.output, []);
      built = data.response;
      return;
    }
    assert.ok(built, `${event} before response.created`);
    switch (data.type) {
      case "response.in_progress":
        assert.deepEqual(data.response, built);
        break;
      case "response.output_item.added":
        assert.equal(openItem, undefined, "an item added while another is open");
        assert.equal(data.output_index, built.output.length, "items are appended in order");
        assert.ok(!ids.has(data.item.id), "duplicate item id");
        ids.add(data.item.id);
        assert.equal(data.item.status, "in_progress");
        built.output.push(data.item);
        openItem = data.output_index;
        break;
      case "response.content_part.added": {
        const item = itemAt(data.output_index, data.item_id, "message");
        assert.ok(item.type === "message");
        assert.equal(data.content_index, item.content.length, "parts are appended in order");
        item.content.push(data.part);
        break;
      }
      case "response.output_text.delta": {
        if (!allowLateDeltas) assert.equal(data.output_index, openItem);
        const item = itemAt(data.output_index, data.item_id, "message");
        const part = item.type === "message" ? item.content[data.content_index] : undefined;
        assert.ok(part?.type === "output_text", "text delta for a part that is not output_text");
        assert.deepEqual(data.logprobs, []);
        part.text += data.delta;
        break;
      }
      case "response.output_text.done": {
        const item = itemAt(data.output_index, data.item_id, "message");
        const part = item.type === "message" ? item.content[data.content_index] : undefined;
        assert.ok(part?.type === "output_text");
        assert.equal(data.text, part.text);
        break;
      }
      case "response.refusal.delta": {
        const item = itemAt(data.output_index, data.item_id, "message");
        const part = item.type === "message" ? item.content[data.content_index] : undefined;
        assert.ok(part?.type === "refusal");
        part.refusal += data.delta;
        break;
      }
      case "response.refusal.done": {
        const item = itemAt(data.output_index, data.item_id, "message");
        const part = item.type === "message" ? item.content[data.content_index] : undefined;
        assert.ok(part?.type === "refusal");
        assert.equal(data.refusal, part.refusal);
        break;
      }
      case "response.content_part.done": {
        const item = itemAt(data.output_index, data.item_id, "message");
        assert.ok(item.type === "message");
        assert.deepEqual(data.part, item.content[data.content_index]);
        break;
      }
      case "response.function_call_arguments.delta": {
        if (!allowLateDeltas) assert.equal(data.output_index, openItem);
        const item = itemAt(data.output_index, data.item_id, "function_call");
        if (item.type === "function_call") item.arguments += data.delta;
        break;
      }
      case "response.function_call_arguments.done": {
        const item = itemAt(data.output_index, data.item_id, "function_call");
        assert.ok(item.type === "function_call");
        assert.equal(data.arguments, item.arguments);
        assert.equal(data.name, item.name);
        break;
      }
      case "response.output_item.done": {
        assert.equal(data.output_index, openItem, "done for an item that is not open");
        const item = itemAt(data.output_index, data.item.id, data.item.type);
        assert.notEqual(data.item.status, "in_progress");
        assert.deepEqual({ ...data.item, status: item.status }, item, "the done item differs from the accumulated one");
        built.output[data.output_index] = data.item;
        openItem = undefined;
        break;
      }
      case "response.completed":
      case "response.incomplete":
      case "response.failed":
        if (data.type !== "response.failed") assert.equal(openItem, undefined, "the response ended with an item open");
        terminal = data.type;
        final = data.response;
        break;
      case "error":
        assert.fail(`error event: ${data.message}`);
    }
  });
  assert.ok(built && final, "the stream did not end with a terminal response event");
  return { built, final, terminal };
}
