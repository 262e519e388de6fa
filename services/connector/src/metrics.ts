import { Counter, Histogram, type Registry } from "@switchyard/telemetry";

export interface ConnectorMetrics {
  /** Generate calls by provider, operation and outcome (`success`, `cancelled`, or the failure code). */
  readonly calls: Counter<"provider" | "operation" | "outcome">;
  /** Seconds until the first event (`first_event`) and the whole call (`total`), successful calls only. */
  readonly upstreamLatency: Histogram<"provider" | "phase">;
}

export function createConnectorMetrics(registry: Registry): ConnectorMetrics {
  return {
    calls: new Counter({
      name: "switchyard_connector_generate_total",
      help: "Generate calls served, by provider, operation and outcome",
      labelNames: ["provider", "operation", "outcome"] as const,
      registers: [registry],
    }),
    upstreamLatency: new Histogram({
      name: "switchyard_connector_upstream_latency_seconds",
      help: "Upstream latency of successful calls: to the first event, and in total",
      labelNames: ["provider", "phase"] as const,
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers: [registry],
    }),
  };
}
