import { REUSE_MS, type RoutingStrategy } from "./types.js";

/** Tries deployments in the order the config lists them. */
export const failover: RoutingStrategy = {
  name: "failover",
  plan: (_model, eligible) => ({ attempts: [...eligible], reason: "config order", reuseMs: REUSE_MS, draw: "" }),
};
