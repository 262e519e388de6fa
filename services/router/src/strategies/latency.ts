import type { DeploymentConfig } from "@switchyard/config";
import type { DeploymentHealth } from "../health.js";
import { REUSE_MS, type RoutingStrategy } from "./types.js";

/**
 * Lowest recent latency first: the EWMA of time to first token for streams, of the whole answer
 * otherwise (each falls back on the other). A deployment never measured goes first so it gets
 * measured. The ingress sends `latency.explore` of requests to another deployment first, so a
 * deployment that recovered is noticed; the router pushes an invalidation when the ranking changes.
 */
export const latency: RoutingStrategy = {
  name: "latency",
  plan: (_model, eligible, context) => {
    const score = (d: DeploymentConfig) => latencyOf(context.health?.(d.id), context.stream === true);
    const ranked = eligible.map((d, i) => ({ d, i, ms: score(d) }));
    ranked.sort((a, b) => (a.ms ?? -1) - (b.ms ?? -1) || a.i - b.i);
    const shown = ranked.map(({ d, ms }) => `${d.id}=${ms === undefined ? "new" : `${Math.round(ms)}ms`}`);
    return {
      attempts: ranked.map((r) => r.d),
      reason: `fastest first (${context.stream ? "ttft" : "latency"} ${shown.join(" ")})`,
      reuseMs: REUSE_MS,
      draw: "explore",
    };
  },
};

export function latencyOf(health: DeploymentHealth | undefined, stream: boolean): number | undefined {
  if (!health) return undefined;
  return stream ? (health.ttftMs ?? health.latencyMs) : (health.latencyMs ?? health.ttftMs);
}
