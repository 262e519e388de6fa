import { REUSE_MS, type RoutingStrategy } from "./types.js";

/**
 * Fewest requests in flight first. In-flight counts change with every request, so the plan only
 * names the candidates; the ingress orders them per request by the counts every ingress shares.
 */
export const leastBusy: RoutingStrategy = {
  name: "least-busy",
  plan: (_model, eligible) => ({ attempts: [...eligible], reason: "fewest in flight", reuseMs: REUSE_MS, draw: "least_busy" }),
};
