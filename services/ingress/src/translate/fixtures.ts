import { readFileSync } from "node:fs";

/**
 * Reads a JSON fixture from `src/translate/fixtures/`. Tests run from `dist/translate/`, which tsc
 * does not copy JSON into, so the path points back at `src/`.
 */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../src/translate/fixtures/${name}`, import.meta.url), "utf8")) as T;
}

/** A deep copy through JSON, i.e. exactly what a client receives once the object is serialised. */
export function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
