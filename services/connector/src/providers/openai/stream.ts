import { GatewayError } from "@switchyard/errors";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { type ChatChunkJson, withUpstreamText } from "../types.js";
import { parseStreamEvent } from "./response.js";

/**
 * Reads an OpenAI chat completion event stream: yields each chunk object and stops at `[DONE]`.
 * A stream that ends without `[DONE]` and before any choice finished was cut short: an upstream error.
 */
export async function* readChatStream(body: AsyncIterable<Uint8Array | string>, provider: string): AsyncGenerator<ChatChunkJson> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  let finished = false;
  const drain = function* (): Generator<ChatChunkJson, boolean> {
    while (pending.length > 0) {
      const event = pending.shift()!;
      const parsed = parseStreamEvent(event.data, provider, event.event);
      if (parsed === "done") return true;
      if (parsed.choices.some((choice) => choice.finish_reason != null)) finished = true;
      yield withUpstreamText(parsed, event.data);
    }
    return false;
  };

  for await (const bytes of body) {
    parser.feed(typeof bytes === "string" ? bytes : decoder.decode(bytes, { stream: true }));
    if (yield* drain()) return;
  }
  parser.feed(decoder.decode());
  parser.reset({ consume: true });
  if (yield* drain()) return;
  if (!finished) throw new GatewayError("upstream_error", `${provider} ended the stream before it finished`);
}
