// What other packages (the end-to-end tests, the benchmark) use of the cache service.

export type { LabelledPair, Quality, Scored } from "./semantic/evaluate.js";
export { loadPairs, qualityAt, score, thresholdFor } from "./semantic/evaluate.js";
export type { Embedder, Embedding, Facts } from "./semantic/local-embedder.js";
export { LocalEmbedder } from "./semantic/local-embedder.js";
export { SemanticCache } from "./semantic/semantic-cache.js";
export { factsAgree, similarityOf } from "./semantic/similarity.js";
export { VectorIndex } from "./semantic/vector-index.js";
