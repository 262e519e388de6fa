import { readFileSync } from "node:fs";

/**
 * Reads a file from `fixtures/` beside this source file. Tests run from `dist/`, which tsc does
 * not copy fixtures into, so the path points back at `src/`.
 */
export function readFixture(name: string): string {
  return readFileSync(new URL(`../../../src/providers/openai/fixtures/${name}`, import.meta.url), "utf8");
}

export function readJsonFixture<T = unknown>(name: string): T {
  return JSON.parse(readFixture(name)) as T;
}
