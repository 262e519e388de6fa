import type { DeploymentConfig, ModelConfig, Strategy } from "@switchyard/config";

/** What a strategy may consider besides the model's deployments. */
export interface PlanContext {
  requiredCapabilities: readonly string[];
  estimatedPromptTokens: number;
  /** Deterministic randomness for strategies that need it (tests pass a fixed source). */
  random: () => number;
}

export interface RoutePlan {
  attempts: DeploymentConfig[];
  /** Short human reason, shown in `x-switchyard-route`. */
  reason: string;
  /** How long callers may reuse this plan; 0 when the order changes from request to request. */
  reuseMs: number;
}

/** Orders a model's eligible deployments into attempts. Pure: no I/O, no clock. */
export interface RoutingStrategy {
  readonly name: Strategy;
  plan(model: ModelConfig, eligible: readonly DeploymentConfig[], context: PlanContext): RoutePlan;
}
