// What one routing decision costs in process, per strategy: the router's plan (strategy, health
// skips, fallbacks) and the ingress's per-request draw from a reused plan, timed one call at a
// time. Run: `node bench/dist/plan-decision.js` (after `npm run build`).
import { create } from "@bufbuild/protobuf";
import { parseConfig } from "@switchyard/config";
import { defaultComplexity, routeOf } from "@switchyard/ingress";
import { PlanResponseSchema } from "@switchyard/proto";
import { HealthBook, Planner } from "@switchyard/router";
import { summarize } from "./stats.js";

const CALLS = 50_000;
const WARMUP = 5_000;

const deployments = (extra: string) =>
  ["a", "b", "c", "d"]
    .map(
      (p, i) =>
        `      - { id: ${p}, provider: mock, model: echo, price: { input: ${i + 1}, output: ${2 * i + 2} }, capabilities: [vision, tools], context_window: 128000${extra} }`,
    )
    .join("\n");
const config = parseConfig(
  `
providers: { mock: { kind: mock } }
models:
  failover: { fallbacks: [spare], deployments: [${"{ provider: mock, model: x }"}] }
  spare:
    deployments:
${deployments("")}
  weighted:
    strategy: weighted
    deployments:
${deployments(", weight: 2")}
  least-busy:
    strategy: least-busy
    deployments:
${deployments("")}
  latency:
    strategy: latency
    deployments:
${deployments("")}
  cascade:
    strategy: cascade
    deployments:
${deployments("")}
  capability:
    strategy: capability
    deployments:
${deployments("")}
keys: []
`,
  "bench",
  {},
);

// A health book with every deployment measured and one breaker open, as a busy router holds it.
const book = new HealthBook(() => ({ after_failures: 1, for_s: 3_600 }));
for (const [i, id] of ["a", "b", "c", "d", "mock/x"].entries()) {
  book.observe({
    at: Date.now(),
    stream: false,
    latencyMs: 100 + i,
    ttftMs: 0,
    attempts: [{ deploymentId: id, status: 200, latencyMs: 100 + i * 10, errorCode: "", retryAfterS: 0 }],
  });
}
book.observe({
  at: Date.now(),
  stream: false,
  latencyMs: 5,
  ttftMs: 0,
  attempts: [{ deploymentId: "d", status: 503, latencyMs: 5, errorCode: "", retryAfterS: 0 }],
});
const planner = new Planner(config, book);
const context = { requiredCapabilities: ["tools"], estimatedPromptTokens: 0, random: Math.random };
const body = {
  model: "m",
  messages: [{ role: "user", content: "Summarise the following paragraph in two sentences. ".repeat(20) }],
  max_tokens: 256,
};
const counts: Record<string, number> = { a: 3, b: 1, c: 0, d: 7 };

function time(run: () => void): { p50: number; p99: number } {
  for (let i = 0; i < WARMUP; i++) run();
  const samples = new Float64Array(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    run();
    samples[i] = (performance.now() - started) * 1_000;
  }
  const s = summarize(samples);
  return { p50: s.p50, p99: s.p99 };
}

const rows: string[] = [];
for (const model of ["failover", "weighted", "least-busy", "latency", "cascade", "capability"]) {
  const router = time(() => planner.plan(model, context));
  const planned = planner.plan(model, context);
  const plan = create(PlanResponseSchema, {
    strategy: model,
    reason: planned.reason,
    draw: planned.draw,
    explore: 0.05,
    ownAttempts: planned.ownAttempts,
    attempts: planned.attempts.map((d) => ({
      id: d.id,
      provider: d.provider,
      model: d.model,
      weight: d.weight,
      contextWindow: d.context_window,
      price: d.price,
    })),
    ...(model === "cascade" ? { cascade: { checks: ["empty"], threshold: 0.7 } } : {}),
  });
  const inputs = {
    body,
    random: Math.random,
    inFlight: { count: (id: string) => counts[id] ?? 0 },
    skipUntil: () => undefined,
    complexity: defaultComplexity,
    chat: true,
  };
  const ingress = time(() => routeOf(plan, inputs));
  rows.push(
    `${model.padEnd(11)} router plan p50 ${router.p50.toFixed(2)} µs p99 ${router.p99.toFixed(2)} µs | ingress draw p50 ${ingress.p50.toFixed(2)} µs p99 ${ingress.p99.toFixed(2)} µs`,
  );
}
console.log(`plan decision, ${CALLS} calls each, one at a time:\n${rows.join("\n")}`);
