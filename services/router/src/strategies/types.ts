import type { DeploymentConfig, ModelConfig, Strategy } from "@switchyard/config";
import type { DeploymentHealth } from "../health.js";

/** What a strategy may consider besides the model's deployments. */
export interface PlanContext {
  requiredCapabilities: readonly string[];
  estimatedPromptTokens: number;
  /** Streamed requests are ranked by time to first token. */
  stream?: boolean;
  /** What the router has learned about a deployment; undefined when nothing yet. */
  health?: (deploymentId: string) => DeploymentHealth | undefined;
  /** Deterministic randomness for strategies that need it (tests pass a fixed source). */
  random: () => number;
}

/** How the ingress orders the attempts for each request (see PlanResponse.draw). */
export type Draw = "" | "weighted" | "explore" | "least_busy";

export interface RoutePlan {
  attempts: DeploymentConfig[];
  /** Short human reason, shown in `x-switchyard-route`. */
  reason: string;
  /** How long callers may reuse this plan; 0 when it must be asked for every request. */
  reuseMs: number;
  /** How the caller draws the order per request from the reusable plan; "" keeps it. */
  draw: Draw;
}

/** Orders a model's eligible deployments into attempts. Pure: no I/O, no clock. */
export interface RoutingStrategy {
  readonly name: Strategy;
  plan(model: ModelConfig, eligible: readonly DeploymentConfig[], context: PlanContext): RoutePlan;
}

/** How long a plan whose order only changes with the config or a pushed invalidation may be reused. */
export const REUSE_MS = 5_000;
