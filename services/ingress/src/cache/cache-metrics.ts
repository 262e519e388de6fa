import { Counter, type Registry } from "@switchyard/telemetry";

export type CacheResult = "hit" | "semantic_hit" | "miss" | "coalesced";

interface Count {
  inc(value?: number): void;
}

/** The cache's counters on the ingress's `/metrics`; children bound once, so counting is an add. */
export class CacheMetrics {
  private readonly results: Record<CacheResult, Count>;
  private readonly bytes: Counter;
  private readonly saved: Counter;
  private readonly skipped: Counter;

  constructor(registry: Registry) {
    const results = new Counter({
      name: "switchyard_cache_requests_total",
      help: "Cacheable requests by result: hit, semantic_hit, miss (went upstream), coalesced (shared another request's upstream call)",
      labelNames: ["result"],
      registers: [registry],
    });
    this.results = {
      hit: results.labels("hit"),
      semantic_hit: results.labels("semantic_hit"),
      miss: results.labels("miss"),
      coalesced: results.labels("coalesced"),
    };
    this.bytes = new Counter({
      name: "switchyard_cache_served_bytes_total",
      help: "Answer bytes served from the cache or another request's call",
      registers: [registry],
    });
    this.saved = new Counter({
      name: "switchyard_cache_saved_usd_total",
      help: "What the answers served from the cache or shared would have cost upstream, in USD",
      registers: [registry],
    });
    this.skipped = new Counter({
      name: "switchyard_cache_unavailable_total",
      help: "Cache steps skipped because a dependency failed: redis (exact lookup, flight lease), cache_service or embedder (semantic)",
      labelNames: ["dependency"],
      registers: [registry],
    });
  }

  result(result: CacheResult): void {
    this.results[result].inc();
  }

  served(bytes: number, savedUsd: number): void {
    this.bytes.inc(bytes);
    if (savedUsd > 0) this.saved.inc(savedUsd);
  }

  unavailable(dependency: "redis" | "cache_service" | "embedder"): void {
    this.skipped.labels(dependency).inc();
  }
}
