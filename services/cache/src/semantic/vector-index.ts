import { createRequire } from "node:module";
import type * as Hnswlib from "hnswlib-node";

export interface Neighbour {
  label: number;
  similarity: number;
}

/** Up to this many vectors a scope is scanned exactly: cheaper than a graph, and never misses. */
const EXACT_MAX = 1_024;
const M = 16;
const EF_CONSTRUCTION = 64;
const EF_SEARCH = 64;

let hnswlib: typeof Hnswlib | null | undefined;

/** The native graph library, loaded on first need; null when its addon is not built here. */
export function graphLibrary(): typeof Hnswlib | null {
  if (hnswlib === undefined) {
    try {
      hnswlib = createRequire(import.meta.url)("hnswlib-node") as typeof Hnswlib;
    } catch {
      hnswlib = null;
    }
  }
  return hnswlib;
}

/**
 * One scope's vectors: an exact scan while small, an HNSW graph (hnswlib) once it grows. Without
 * the native addon every scope is scanned exactly: slower at scale, never wrong.
 */
export class VectorIndex {
  private readonly vectors = new Map<number, Float32Array>();
  private graph: Hnswlib.HierarchicalNSW | undefined;
  private capacity = 0;

  constructor(readonly dimensions: number) {}

  get size(): number {
    return this.vectors.size;
  }

  add(label: number, vector: Float32Array): void {
    if (this.vectors.has(label)) this.remove(label);
    this.vectors.set(label, vector);
    if (this.graph) this.addToGraph(label, vector);
    else if (this.vectors.size > EXACT_MAX && this.capacity === 0) this.buildGraph();
  }

  remove(label: number): void {
    if (!this.vectors.delete(label)) return;
    this.graph?.markDelete(label);
  }

  /** The `k` nearest by cosine (vectors are unit length), best first. */
  nearest(query: Float32Array, k: number): Neighbour[] {
    const count = Math.min(k, this.vectors.size);
    if (count === 0) return [];
    if (!this.graph) return this.scan(query, count);
    const found = this.graph.searchKnn(Array.from(query), count);
    return found.neighbors.map((label, i) => ({ label, similarity: 1 - (found.distances[i] as number) }));
  }

  private scan(query: Float32Array, k: number): Neighbour[] {
    const best: Neighbour[] = [];
    for (const [label, vector] of this.vectors) {
      let dot = 0;
      for (let d = 0; d < vector.length; d++) dot += (vector[d] as number) * (query[d] as number);
      if (best.length < k || dot > (best[best.length - 1] as Neighbour).similarity) {
        best.push({ label, similarity: dot });
        best.sort((a, b) => b.similarity - a.similarity);
        if (best.length > k) best.pop();
      }
    }
    return best;
  }

  private buildGraph(): void {
    this.capacity = EXACT_MAX * 4;
    const library = graphLibrary();
    if (!library) return;
    this.graph = new library.HierarchicalNSW("ip", this.dimensions);
    this.graph.initIndex({ maxElements: this.capacity, m: M, efConstruction: EF_CONSTRUCTION, randomSeed: 100, allowReplaceDeleted: true });
    this.graph.setEf(EF_SEARCH);
    for (const [label, vector] of this.vectors) this.addToGraph(label, vector);
  }

  private addToGraph(label: number, vector: Float32Array): void {
    const graph = this.graph as Hnswlib.HierarchicalNSW;
    // Deleted slots are reused first; the graph doubles only when live vectors fill it.
    if (graph.getCurrentCount() >= this.capacity && this.vectors.size >= this.capacity) {
      this.capacity *= 2;
      graph.resizeIndex(this.capacity);
    }
    graph.addPoint(Array.from(vector), label, graph.getCurrentCount() >= this.capacity);
  }
}
