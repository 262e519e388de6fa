import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Embedder } from "./local-embedder.js";
import { similarityOf } from "./similarity.js";

/** One labelled pair: `same` when a cached answer to `a` is a right answer to `b`. */
export interface LabelledPair {
  a: string;
  b: string;
  same: boolean;
  /** `paraphrase:<how>` or `lookalike:<what differs>`. */
  kind: string;
}

export const PAIRS_PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "eval", "semantic-pairs.json");

export function loadPairs(path = PAIRS_PATH): LabelledPair[] {
  return JSON.parse(readFileSync(path, "utf8")) as LabelledPair[];
}

export interface Scored extends LabelledPair {
  /** What the cache would see: the cosine when the guards agree, else 0 (never a hit). */
  similarity: number;
}

export function score(embedder: Embedder, pairs: readonly LabelledPair[]): Scored[] {
  return pairs.map((pair) => ({ ...pair, similarity: similarityOf(embedder.embed(pair.a), embedder.embed(pair.b)) }));
}

export interface Quality {
  threshold: number;
  precision: number;
  recall: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

export function qualityAt(scored: readonly Scored[], threshold: number): Quality {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const pair of scored) {
    const hit = pair.similarity >= threshold;
    if (hit && pair.same) tp++;
    else if (hit) fp++;
    else if (pair.same) fn++;
  }
  return {
    threshold,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
  };
}

/** The lowest threshold (best recall) whose precision reaches `minPrecision`, on a 0.01 grid. */
export function thresholdFor(scored: readonly Scored[], minPrecision: number): Quality {
  for (let t = 50; t <= 100; t++) {
    const quality = qualityAt(scored, t / 100);
    if (quality.precision >= minPrecision) return quality;
  }
  return qualityAt(scored, 1);
}
