import { keyPart } from "@switchyard/response-cache";
import type { Embedding, Facts } from "./local-embedder.js";
import { factsAgree } from "./similarity.js";
import { VectorIndex } from "./vector-index.js";

/** One cached prompt, as the index knows it (the answer stays in Redis). */
export interface IndexedEntry {
  label: number;
  /** Where the answer is, and the entry's name across replicas. */
  redisKey: string;
  /** Model, namespace and parameters: only prompts of one scope are compared. */
  scopeKey: string;
  vector: Float32Array;
  facts: Facts;
  /** Wall-clock ms; entries past it are skipped and swept. */
  expiresAt: number;
}

/** Candidates checked per lookup: the nearest may state other facts ("2" for "3"), the next may not. */
const CANDIDATES = 8;

/** The scope of a prompt as a key part: model, namespace and parameter digest, each percent-encoded. */
export function scopeKeyOf(query: { model: string; namespace: string; scope: string }): string {
  return `${keyPart(query.model)}:${keyPart(query.namespace)}:${keyPart(query.scope)}`;
}

/** The in-memory side of the semantic cache: every scope's vectors and facts, searched per lookup. */
export class SemanticIndex {
  private readonly entries = new Map<number, IndexedEntry>();
  private readonly byKey = new Map<string, IndexedEntry>();
  private readonly scopes = new Map<string, VectorIndex>();
  private nextLabel = 1;

  get size(): number {
    return this.entries.size;
  }

  /** Entries of `scopeKey` at or above `threshold` whose facts agree with the prompt's, most similar first. */
  *matches(
    scopeKey: string,
    { vector, facts }: Embedding,
    threshold: number,
    now = Date.now(),
  ): Generator<{ entry: IndexedEntry; similarity: number }> {
    const index = this.scopes.get(scopeKey);
    if (!index || index.size === 0) return;
    for (const { label, similarity } of index.nearest(vector, CANDIDATES)) {
      if (similarity < threshold) return;
      const entry = this.entries.get(label);
      if (entry && entry.expiresAt > now && factsAgree(facts, entry.facts)) yield { entry, similarity };
    }
  }

  add(redisKey: string, scopeKey: string, vector: Float32Array, facts: Facts, expiresAt: number): void {
    this.remove(redisKey);
    const entry: IndexedEntry = { label: this.nextLabel++, redisKey, scopeKey, vector, facts, expiresAt };
    this.entries.set(entry.label, entry);
    this.byKey.set(redisKey, entry);
    let index = this.scopes.get(scopeKey);
    if (!index) {
      // A scope's embedder is part of its key, so its vectors share one length.
      index = new VectorIndex(vector.length);
      this.scopes.set(scopeKey, index);
    }
    if (index.dimensions !== vector.length) return;
    index.add(entry.label, vector);
  }

  remove(redisKey: string): void {
    const entry = this.byKey.get(redisKey);
    if (!entry) return;
    this.byKey.delete(redisKey);
    this.entries.delete(entry.label);
    const index = this.scopes.get(entry.scopeKey);
    index?.remove(entry.label);
    if (index?.size === 0) this.scopes.delete(entry.scopeKey);
  }

  /** Removes the entries of one model and namespace (either undefined: all). */
  removeMatching(model: string | undefined, namespace: string | undefined): void {
    for (const entry of this.entries.values()) {
      const [m, ns] = entry.scopeKey.split(":");
      if ((model === undefined || m === keyPart(model)) && (namespace === undefined || ns === keyPart(namespace)))
        this.remove(entry.redisKey);
    }
  }

  removeExpired(now = Date.now()): void {
    for (const entry of this.entries.values()) if (entry.expiresAt <= now) this.remove(entry.redisKey);
  }
}
