import assert from "node:assert/strict";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Counter, Histogram, Registry } from "prom-client";
import { MetricBatch } from "./metric-batch.js";

function metricsOf(batch: MetricBatch) {
  const registry = new Registry();
  const calls = new Counter({ name: "calls_total", help: "calls", labelNames: ["outcome"], registers: [registry], collect: batch.flush });
  const latency = new Histogram({
    name: "latency_seconds",
    help: "latency",
    labelNames: ["phase"],
    buckets: [0.1, 1],
    registers: [registry],
    collect: batch.flush,
  });
  return { registry, calls, latency };
}

it("applies queued updates before a scrape reads them, without waiting for its timer", async () => {
  const batch = new MetricBatch(60_000);
  const { registry, calls, latency } = metricsOf(batch);
  batch.inc(calls, { outcome: "success" });
  batch.inc(calls, { outcome: "success" }, 2);
  batch.inc(calls, { outcome: "upstream_error" });
  batch.observe(latency, { phase: "total" }, 0.05);
  batch.observe(latency, { phase: "total" }, 0.5);

  const text = await registry.metrics();
  assert.match(text, /calls_total\{outcome="success"\} 3/);
  assert.match(text, /calls_total\{outcome="upstream_error"\} 1/);
  assert.match(text, /latency_seconds_bucket\{le="0.1",phase="total"\} 1/);
  assert.match(text, /latency_seconds_bucket\{le="1",phase="total"\} 2/);
  assert.match(text, /latency_seconds_sum\{phase="total"\} 0.55/);
  assert.match(text, /latency_seconds_count\{phase="total"\} 2/);

  const again = await registry.metrics();
  assert.match(again, /calls_total\{outcome="success"\} 3/, "a second scrape counts nothing twice");
});

it("applies queued updates on its own after the flush interval", async () => {
  const batch = new MetricBatch(10);
  const { calls } = metricsOf(batch);
  batch.inc(calls, { outcome: "success" });
  assert.equal((await calls.get()).values.length, 1, "the scrape flushed it");

  const quiet = new MetricBatch(10);
  const counter = new Counter({ name: "quiet_total", help: "quiet", labelNames: ["outcome"], registers: [] });
  quiet.inc(counter, { outcome: "success" });
  assert.equal((await counter.get()).values.length, 0, "queued, not applied yet");
  await sleep(40);
  assert.deepEqual(
    (await counter.get()).values.map((v) => v.value),
    [1],
  );
});
