import type { RoutingStrategy } from "./types.js";

/** Tries deployments in the order the config lists them. */
export const failover: RoutingStrategy = {
  name: "failover",
  // The order only changes with the config, so callers may keep it a while.
  plan: (_model, eligible) => ({ attempts: [...eligible], reason: "config order", reuseMs: 5_000 }),
};
