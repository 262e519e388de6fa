import type { DeploymentConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import type { HandlersOf } from "@switchyard/grpc";
import type { RouterService } from "@switchyard/proto";
import type { Planner } from "./planner.js";

export function routerHandlers(planner: () => Planner): HandlersOf<typeof RouterService> {
  return {
    plan(request) {
      try {
        const plan = planner().plan(request.model, {
          requiredCapabilities: request.requiredCapabilities,
          estimatedPromptTokens: request.estimatedPromptTokens,
          random: Math.random,
        }, request.operation === "embeddings" ? "embeddings" : "chat");
        return {
          strategy: plan.model.strategy,
          reason: plan.reason,
          timeoutMs: plan.model.timeout_ms,
          reuseMs: plan.reuseMs,
          attempts: plan.attempts.map(toDeploymentMessage),
        };
      } catch (error) {
        if (error instanceof GatewayError) return { failure: error.toFailure() };
        throw error;
      }
    },
    listModels() {
      return {
        models: planner()
          .models()
          .map((m) => ({
            id: m.name,
            strategy: m.strategy,
            providers: [...new Set(m.deployments.map((d) => d.provider))],
            operations: m.operations,
          })),
      };
    },
  };
}

function toDeploymentMessage(d: DeploymentConfig) {
  return {
    id: d.id,
    provider: d.provider,
    model: d.model,
    price: d.price,
    timeoutMs: d.timeout_ms,
    capabilities: d.capabilities,
    contextWindow: d.context_window,
    weight: d.weight,
  };
}
