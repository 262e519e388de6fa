import { type DeploymentConfig, type GatewayConfig, type ModelConfig, type Operation, servesCapabilities } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import type { HealthBook, SkipReason } from "./health.js";
import { type PlanContext, type RoutePlan, strategies } from "./strategies/index.js";

export interface SkippedDeployment {
  deploymentId: string;
  reason: SkipReason;
  until: number;
}

export interface Plan extends RoutePlan {
  model: ModelConfig;
  /** The first `ownAttempts` attempts are the model's own; the rest come from its fallbacks. */
  ownAttempts: number;
  /** Deployments left out because they are cooling down or asked for a pause. */
  skipped: SkippedDeployment[];
}

const SKIP_LABELS: Record<SkipReason, string> = { cooldown: "cooldown", retry_after: "retry-after", quota: "quota spent" };

/** A p95 hedge waits this long until the deployment has enough answers for a percentile. */
export const HEDGE_WITHOUT_P95_MS = 1_000;

/** Picks deployments for a public model name. Pure over the config and the health it is given. */
export class Planner {
  constructor(
    private readonly config: GatewayConfig,
    private readonly health?: HealthBook,
  ) {}

  plan(modelName: string, context: PlanContext, operation: Operation = "chat", now = Date.now()): Plan {
    const model = this.config.models[modelName];
    if (!model) {
      throw new GatewayError("model_not_found", `The model \`${modelName}\` does not exist or you do not have access to it.`, {
        param: "model",
      });
    }
    const withHealth: PlanContext = this.health && !context.health ? { ...context, health: (id) => this.health!.get(id) } : context;
    const skipped: SkippedDeployment[] = [];
    const own = this.planModel(model, withHealth, operation, now, skipped);
    const attempts = [...own.attempts];
    const fallbacks: string[] = [];
    for (const name of model.fallbacks) {
      const fallback = this.config.models[name];
      // A fallback whose providers all lack their secret is not in the config; one that cannot serve
      // this request (operation, capabilities) is passed over.
      if (!fallback || !fallback.operations.includes(operation)) continue;
      let planned: RoutePlan;
      try {
        planned = this.planModel(fallback, withHealth, operation, now, skipped);
      } catch (error) {
        if (error instanceof GatewayError) continue;
        throw error;
      }
      const fresh = planned.attempts.filter((d) => !attempts.some((a) => a.id === d.id));
      if (fresh.length > 0) fallbacks.push(name);
      attempts.push(...fresh);
    }
    const skips =
      skipped.length > 0
        ? `; skipped ${skipped.map((s) => `${s.deploymentId} (${SKIP_LABELS[s.reason]} ${Math.ceil((s.until - now) / 1_000)}s)`).join(", ")}`
        : "";
    // A reused plan must not outlive a skip: the deployment comes back (half-open) when it ends.
    const reuseMs = Math.min(own.reuseMs, ...skipped.map((s) => Math.max(1, s.until - now)));
    return {
      ...own,
      attempts,
      reason: `${own.reason}${skips}${fallbacks.length > 0 ? `; then ${fallbacks.join(", ")}` : ""}`,
      reuseMs,
      model,
      ownAttempts: own.attempts.length,
      skipped,
    };
  }

  /** When to hedge an attempt on this deployment, ms after it started; undefined when the model does not hedge. */
  hedgeAfterMs(model: ModelConfig, deploymentId: string): number | undefined {
    if (!model.hedge) return undefined;
    if (model.hedge.after_ms !== undefined) return model.hedge.after_ms;
    return Math.round(this.health?.firstEventP95(deploymentId) ?? HEDGE_WITHOUT_P95_MS);
  }

  models(): ModelConfig[] {
    return Object.values(this.config.models);
  }

  private planModel(model: ModelConfig, context: PlanContext, operation: Operation, now: number, skipped: SkippedDeployment[]): RoutePlan {
    if (!model.operations.includes(operation)) {
      throw new GatewayError(
        "invalid_request",
        `The model \`${model.name}\` does not serve ${operation}; it serves ${model.operations.join(", ")}.`,
        { param: "model" },
      );
    }
    const eligible = model.deployments.filter((d) => servesCapabilities(d, context.requiredCapabilities));
    if (eligible.length === 0) {
      throw new GatewayError("invalid_request", `No deployment of \`${model.name}\` supports ${context.requiredCapabilities.join(", ")}.`, {
        param: "model",
      });
    }
    const plan = strategies[model.strategy].plan(model, eligible, context);
    if (!this.health) return plan;
    const usable = plan.attempts.filter((d) => {
      const skip = this.health!.skipOf(d.id, now);
      if (!skip) return true;
      if (!skipped.some((s) => s.deploymentId === d.id)) skipped.push({ deploymentId: d.id, reason: skip.reason, until: skip.until });
      return false;
    });
    return { ...plan, attempts: usable };
  }
}
