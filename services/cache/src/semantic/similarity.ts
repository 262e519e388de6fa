import type { Embedding, Facts } from "./local-embedder.js";

/** Cosine of two unit vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}

/** True when two prompts state the same numbers, negation and languages, and each names only what the other mentions. */
export function factsAgree(a: Facts, b: Facts): boolean {
  return a.strict === b.strict && a.names.every((name) => sortedHas(b.words, name)) && b.names.every((name) => sortedHas(a.words, name));
}

/** The similarity the cache acts on: the cosine when the facts agree, else 0. */
export function similarityOf(a: Embedding, b: Embedding): number {
  return factsAgree(a.facts, b.facts) ? cosine(a.vector, b.vector) : 0;
}

function sortedHas(sorted: readonly string[], word: string): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const at = sorted[mid] as string;
    if (at === word) return true;
    if (at < word) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}
