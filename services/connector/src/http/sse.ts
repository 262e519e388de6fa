import { createParser, type EventSourceMessage } from "eventsource-parser";

/** One server-sent event: its `event:` name when it had one, and its data. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Server-sent events from a body, as they arrive (eventsource-parser: CRLF, comments, multi-line
 * data, UTF-8 split across reads). The last event counts even without its blank line.
 */
export async function* sseEvents(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  const take = function* (): Generator<SseEvent> {
    for (let event = pending.shift(); event; event = pending.shift()) {
      yield event.event === undefined ? { data: event.data } : { event: event.event, data: event.data };
    }
  };
  for await (const bytes of body) {
    parser.feed(typeof bytes === "string" ? bytes : decoder.decode(bytes, { stream: true }));
    yield* take();
  }
  // A body that ends without the last event's blank line: that event still counts.
  parser.feed(`${decoder.decode()}\n\n`);
  yield* take();
}
