import type { UsageEventInit, UsageOutcome, UsagePublisher } from "@switchyard/bus";
import { BoundedLabel, Counter, Gauge, Histogram, MetricBatch, type Registry } from "@switchyard/telemetry";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Model names come from clients (unknown ones included): bounded like key names. */
const MAX_MODEL_LABELS = 200;

export type UsageSink = Pick<UsagePublisher, "publish">;

/**
 * The per-request metrics, fed from each request's usage event (which already says everything:
 * route, model, deployment, outcome, attempts, tokens, cost, cache, latency, TTFT). Updates are
 * queued and applied together (MetricBatch) so the request's own turn pays a few array pushes.
 */
export class RequestMetrics {
  private readonly batch = new MetricBatch();
  private readonly keys: BoundedLabel;
  private readonly models = new BoundedLabel(MAX_MODEL_LABELS);
  private readonly requests: Counter<"route" | "model" | "deployment" | "outcome">;
  private readonly duration: Histogram<"route" | "model" | "deployment" | "outcome">;
  private readonly upstream: Histogram<"deployment" | "status">;
  private readonly ttft: Histogram<"model" | "deployment">;
  private readonly tokens: Counter<"model" | "key" | "direction">;
  private readonly cost: Counter<"model" | "key">;
  private readonly failovers: Counter<"model">;
  private readonly retries: Counter<"model">;
  private readonly errors: Counter<"outcome" | "code">;

  constructor(registry: Registry, maxKeyLabels: number) {
    this.keys = new BoundedLabel(maxKeyLabels);
    const registers = [registry];
    const collect = this.batch.flush;
    this.requests = new Counter({
      name: "switchyard_requests_total",
      help: "Generation requests by route, public model, deployment that answered (empty: none) and outcome",
      labelNames: ["route", "model", "deployment", "outcome"],
      registers,
      collect,
    });
    this.duration = new Histogram({
      name: "switchyard_request_duration_seconds",
      help: "Generation requests' time from arrival to the end of the answer",
      labelNames: ["route", "model", "deployment", "outcome"],
      buckets: LATENCY_BUCKETS,
      registers,
      collect,
    });
    this.upstream = new Histogram({
      name: "switchyard_upstream_duration_seconds",
      help: "Each attempt against a deployment, until its answer began (or failed), by the attempt's status",
      labelNames: ["deployment", "status"],
      buckets: LATENCY_BUCKETS,
      registers,
      collect,
    });
    this.ttft = new Histogram({
      name: "switchyard_ttft_seconds",
      help: "Time to first token of streamed answers",
      labelNames: ["model", "deployment"],
      buckets: LATENCY_BUCKETS,
      registers,
      collect,
    });
    this.tokens = new Counter({
      name: "switchyard_tokens_total",
      help: "Tokens by public model, key name (capped; later keys count as other) and direction (input, output)",
      labelNames: ["model", "key", "direction"],
      registers,
      collect,
    });
    this.cost = new Counter({
      name: "switchyard_cost_usd_total",
      help: "What answered requests cost in USD, by public model and key name (capped as for tokens)",
      labelNames: ["model", "key"],
      registers,
      collect,
    });
    this.failovers = new Counter({
      name: "switchyard_failovers_total",
      help: "Requests answered by another deployment after an attempt failed",
      labelNames: ["model"],
      registers,
      collect,
    });
    this.retries = new Counter({
      name: "switchyard_retries_total",
      help: "Attempts beyond each request's first",
      labelNames: ["model"],
      registers,
      collect,
    });
    this.errors = new Counter({
      name: "switchyard_request_errors_total",
      help: "Requests that did not succeed, by outcome and error code (rate_limit_exceeded and budget_exceeded are refusals)",
      labelNames: ["outcome", "code"],
      registers,
      collect,
    });
  }

  observe(outcome: UsageOutcome, event: UsageEventInit): void {
    const { batch } = this;
    const model = this.models.of(event.model ?? "");
    const deployment = event.deploymentId ?? "";
    const key = this.keys.of(event.keyName ?? "");
    const labels = { route: event.endpoint ?? "", model, deployment, outcome };
    batch.inc(this.requests, labels);
    batch.observe(this.duration, labels, (event.latencyMs ?? 0) / 1000);
    if (event.stream && event.ttftMs) batch.observe(this.ttft, { model, deployment }, event.ttftMs / 1000);
    const attempts = event.attempts ?? [];
    for (const attempt of attempts) {
      batch.observe(
        this.upstream,
        { deployment: attempt.deploymentId ?? "", status: String(attempt.status ?? 0) },
        (attempt.latencyMs ?? 0) / 1000,
      );
    }
    if (attempts.length > 1) {
      batch.inc(this.retries, { model }, attempts.length - 1);
      if (deployment) batch.inc(this.failovers, { model });
    }
    const usage = event.usage;
    if (usage?.promptTokens) batch.inc(this.tokens, { model, key, direction: "input" }, usage.promptTokens);
    if (usage?.completionTokens) batch.inc(this.tokens, { model, key, direction: "output" }, usage.completionTokens);
    if (event.costUsd) batch.inc(this.cost, { model, key }, event.costUsd);
    if (outcome !== "success" && outcome !== "cache_hit") batch.inc(this.errors, { outcome, code: event.failure?.code || "none" });
  }
}

/** JetStream publishing as metrics: what the publisher has sent, failed to send, dropped, and holds. */
export function registerPublisherMetrics(registry: Registry, publisher: Pick<UsagePublisher, "stats">): void {
  const { stats } = publisher;
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter("switchyard_usage_events_published_total", "Usage events JetStream acknowledged", () => stats.published);
  counter("switchyard_usage_publish_failures_total", "Usage event sends that failed or timed out (each is retried)", () => stats.failed);
  counter(
    "switchyard_usage_events_dropped_total",
    "Usage events dropped because the buffer was full while NATS was away",
    () => stats.dropped,
  );
  new Gauge({
    name: "switchyard_usage_events_pending",
    help: "Usage events queued or sent and not yet acknowledged by JetStream",
    registers: [registry],
    collect() {
      this.set(stats.pending);
    },
  });
}
