import { readFileSync } from "node:fs";

/** A recorded answer from `fixtures/<provider>/` (beside src/ and dist/, which tsc does not copy it into). */
export function readFixture(provider: string, name: string): string {
  return readFileSync(new URL(`../fixtures/${provider}/${name}`, import.meta.url), "utf8");
}

export function readJsonFixture<T = unknown>(provider: string, name: string): T {
  return JSON.parse(readFixture(provider, name)) as T;
}
