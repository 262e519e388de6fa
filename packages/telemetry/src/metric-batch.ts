import type { Counter, Histogram, LabelValues } from "prom-client";

/** How long queued updates wait before they are applied, unless a scrape reads them first. */
const DEFAULT_FLUSH_MS = 100;

/**
 * Per-request metric updates, queued and applied to their prom-client metrics together: run once
 * per request, prom-client's label checks, hashing and bucket updates run cold, and together they
 * run warm. A queued update is three array pushes; the queue is applied every `flushMs` and before
 * every scrape of a metric created with `collect: batch.flush`, so /metrics never misses an update.
 */
export class MetricBatch {
  private metrics: (Counter<string> | Histogram<string>)[] = [];
  private labels: LabelValues<string>[] = [];
  private values: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly flushMs = DEFAULT_FLUSH_MS) {}

  observe<T extends string>(histogram: Histogram<T>, labels: LabelValues<T>, value: number): void {
    this.queue(histogram as Histogram<string>, labels, value);
  }

  inc<T extends string>(counter: Counter<T>, labels: LabelValues<T>, value = 1): void {
    this.queue(counter as Counter<string>, labels, value);
  }

  /** Applies everything queued; a metric's `collect` calls it, so a scrape sees every update. */
  readonly flush = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    const { metrics, labels, values } = this;
    if (metrics.length === 0) return;
    this.metrics = [];
    this.labels = [];
    this.values = [];
    for (let i = 0; i < metrics.length; i++) {
      const metric = metrics[i]!;
      if ("observe" in metric) metric.observe(labels[i]!, values[i]!);
      else metric.inc(labels[i]!, values[i]!);
    }
  };

  private queue(metric: Counter<string> | Histogram<string>, labels: LabelValues<string>, value: number): void {
    this.metrics.push(metric);
    this.labels.push(labels);
    this.values.push(value);
    if (this.timer) return;
    this.timer = setTimeout(this.flush, this.flushMs);
    this.timer.unref();
  }
}
