import { Counter, Histogram, MetricBatch, type Registry } from "@switchyard/telemetry";

/** One finished Generate call, as the connector's metrics count it. */
export interface CallOutcome {
  provider: string;
  operation: string;
  /** `success`, `cancelled`, or the failure code. */
  outcome: string;
  /** Successful calls: seconds until the first event and until the end. */
  firstEventS?: number;
  totalS?: number;
}

export interface ConnectorMetrics {
  /** Counts the call and, when it succeeded, its upstream latency; applied in batches (`MetricBatch`). */
  record(call: CallOutcome): void;
}

export function createConnectorMetrics(registry: Registry): ConnectorMetrics {
  const batch = new MetricBatch();
  const calls = new Counter({
    name: "switchyard_connector_generate_total",
    help: "Generate calls served, by provider, operation and outcome",
    labelNames: ["provider", "operation", "outcome"] as const,
    registers: [registry],
    collect: batch.flush,
  });
  const upstreamLatency = new Histogram({
    name: "switchyard_connector_upstream_latency_seconds",
    help: "Upstream latency of successful calls: to the first event, and in total",
    labelNames: ["provider", "phase"] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
    registers: [registry],
    collect: batch.flush,
  });
  return {
    record({ provider, operation, outcome, firstEventS, totalS }) {
      batch.inc(calls, { provider, operation, outcome });
      if (firstEventS !== undefined) batch.observe(upstreamLatency, { provider, phase: "first_event" }, firstEventS);
      if (totalS !== undefined) batch.observe(upstreamLatency, { provider, phase: "total" }, totalS);
    },
  };
}
