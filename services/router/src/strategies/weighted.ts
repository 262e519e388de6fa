import { REUSE_MS, type RoutingStrategy } from "./types.js";

/**
 * Splits traffic by `weight`. The plan lists the deployments once with their weights and the
 * ingress draws the order per request (weighted, without replacement), so the plan stays
 * reusable and no router call is paid per request.
 */
export const weighted: RoutingStrategy = {
  name: "weighted",
  plan: (_model, eligible) => ({
    attempts: [...eligible],
    reason: `weights ${eligible.map((d) => `${d.id}=${d.weight}`).join(" ")}`,
    reuseMs: REUSE_MS,
    draw: "weighted",
  }),
};
