import { readFileSync } from "node:fs";
import { createParser, type EventSourceMessage } from "eventsource-parser";

/** Reads a file from `fixtures/` beside this source (tests run from dist/, which has no fixtures). */
export function readFixture(name: string): string {
  return readFileSync(new URL(`../../../src/providers/anthropic/fixtures/${name}`, import.meta.url), "utf8");
}

export function readJsonFixture<T = unknown>(name: string): T {
  return JSON.parse(readFixture(name)) as T;
}

/** A recorded event stream's events, framed as the adapter sees them. */
export function readSseFixture(name: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(readFixture(name));
  return events;
}
