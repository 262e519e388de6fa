import assert from "node:assert/strict";
import { it } from "node:test";
import type { UsageEventInit } from "@switchyard/bus";
import { Registry } from "@switchyard/telemetry";
import { pino } from "pino";
import { AccessLog } from "./access-log.js";
import { RequestMetrics } from "./request-metrics.js";

const event = (requestId: string, keyName: string, status = 200): UsageEventInit => ({
  requestId,
  endpoint: "/v1/chat/completions",
  keyName,
  model: "smart",
  deploymentId: "gpt4o",
  status,
  latencyMs: 12,
  usage: { promptTokens: 3, completionTokens: 5 },
  costUsd: 0.5,
});

it("counts tokens and cost under the first key names, later ones under other", async () => {
  const registry = new Registry();
  const metrics = new RequestMetrics(registry, 2);
  for (const [i, key] of ["a", "b", "c", "d", "a"].entries()) metrics.observe("success", event(`r${i}`, key));
  const text = await registry.metrics();
  assert.match(text, /switchyard_cost_usd_total\{model="smart",key="a"\} 1\n/);
  assert.match(text, /switchyard_cost_usd_total\{model="smart",key="b"\} 0.5\n/);
  assert.match(text, /switchyard_cost_usd_total\{model="smart",key="other"\} 1\n/, "c and d");
  assert.doesNotMatch(text, /key="c"/);
  assert.match(text, /switchyard_tokens_total\{model="smart",key="other",direction="output"\} 10\n/);
});

it("writes a line for every failed request and for the sampled share of the others", () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  let draw = 0;
  const draws = [0.05, 0.5, 0.95];
  const log = new AccessLog(logger, 0.1, () => draws[draw++ % draws.length]!);
  log.generation("success", event("kept", "a"));
  log.generation("success", event("dropped-1", "a"));
  log.generation("success", event("dropped-2", "a"));
  log.generation("failed", event("failed", "a", 502));
  assert.deepEqual(
    lines.map((l) => [l.msg, l.request_id, l.key_name, l.status]),
    [
      ["request", "kept", "a", 200],
      ["request", "failed", "a", 502],
    ],
  );
});
