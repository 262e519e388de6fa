import type { Strategy } from "@switchyard/config";
import { failover } from "./failover.js";
import type { RoutingStrategy } from "./types.js";

/** One line per strategy; the config schema lists the same names. */
export const strategies: Record<Strategy, RoutingStrategy> = {
  failover,
};

export type { RoutingStrategy, RoutePlan, PlanContext } from "./types.js";
