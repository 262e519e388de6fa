import type { Strategy } from "@switchyard/config";
import { capability } from "./capability.js";
import { cascade } from "./cascade.js";
import { failover } from "./failover.js";
import { latency } from "./latency.js";
import { leastBusy } from "./least-busy.js";
import type { RoutingStrategy } from "./types.js";
import { weighted } from "./weighted.js";

/** One line per strategy; the config schema lists the same names. */
export const strategies: Record<Strategy, RoutingStrategy> = {
  failover,
  weighted,
  "least-busy": leastBusy,
  latency,
  cascade,
  capability,
};

export type { Draw, PlanContext, RoutePlan, RoutingStrategy } from "./types.js";
