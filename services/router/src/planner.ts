import type { DeploymentConfig, GatewayConfig, ModelConfig, Operation } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { type PlanContext, type RoutePlan, strategies } from "./strategies/index.js";

export interface Plan extends RoutePlan {
  model: ModelConfig;
}

/** Picks deployments for a public model name. Pure over the config it was built with. */
export class Planner {
  constructor(private readonly config: GatewayConfig) {}

  plan(modelName: string, context: PlanContext, operation: Operation = "chat"): Plan {
    const model = this.config.models[modelName];
    if (!model) {
      throw new GatewayError("model_not_found", `The model \`${modelName}\` does not exist or you do not have access to it.`, {
        param: "model",
      });
    }
    if (!model.operations.includes(operation)) {
      throw new GatewayError(
        "invalid_request",
        `The model \`${modelName}\` does not serve ${operation}; it serves ${model.operations.join(", ")}.`,
        { param: "model" },
      );
    }
    const eligible = model.deployments.filter((d) => hasCapabilities(d, context.requiredCapabilities));
    if (eligible.length === 0) {
      throw new GatewayError(
        "invalid_request",
        `No deployment of \`${modelName}\` supports ${context.requiredCapabilities.join(", ")}.`,
        { param: "model" },
      );
    }
    const plan = strategies[model.strategy].plan(model, eligible, context);
    return { ...plan, model };
  }

  models(): ModelConfig[] {
    return Object.values(this.config.models);
  }
}

/** A deployment that declares no capabilities is assumed to support whatever is asked. */
function hasCapabilities(deployment: DeploymentConfig, required: readonly string[]): boolean {
  if (required.length === 0 || deployment.capabilities.length === 0) return true;
  return required.every((c) => deployment.capabilities.includes(c));
}
