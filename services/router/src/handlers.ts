import { deploymentMessageOf } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import type { HandlersOf } from "@switchyard/grpc";
import type { RouterService } from "@switchyard/proto";
import type { Plan, Planner } from "./planner.js";

export function routerHandlers(planner: () => Planner): HandlersOf<typeof RouterService> {
  return {
    plan(request) {
      try {
        const plan = planner().plan(
          request.model,
          {
            requiredCapabilities: request.requiredCapabilities,
            estimatedPromptTokens: request.estimatedPromptTokens,
            stream: request.stream,
            random: Math.random,
          },
          request.operation === "embeddings" ? "embeddings" : "chat",
        );
        const { model } = plan;
        return {
          strategy: model.strategy,
          reason: plan.reason,
          timeoutMs: model.timeout_ms,
          reuseMs: plan.reuseMs,
          attempts: plan.attempts.map(deploymentMessageOf),
          draw: plan.draw,
          explore: model.strategy === "latency" ? model.latency.explore : 0,
          ownAttempts: plan.ownAttempts,
          retries: { attempts: model.retries.attempts, backoffMs: model.retries.backoff_ms, maxBackoffMs: model.retries.max_backoff_ms },
          cooldownAfterFailures: model.cooldown ? model.cooldown.after_failures : 0,
          cooldownMs: model.cooldown ? Math.round(model.cooldown.for_s * 1_000) : 0,
          skipped: plan.skipped.map((s) => ({ deploymentId: s.deploymentId, reason: s.reason, untilMs: s.until })),
          ...(model.strategy === "cascade" ? { cascade: { checks: model.cascade.checks, threshold: model.cascade.threshold } } : {}),
          ...(model.hedge ? { hedgeAfterMs: hedgeTimes(planner(), plan), hedgeMaxShare: model.hedge.max_share } : {}),
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

function hedgeTimes(planner: Planner, plan: Plan): Record<string, number> {
  return Object.fromEntries(plan.attempts.slice(0, plan.ownAttempts).map((d) => [d.id, planner.hedgeAfterMs(plan.model, d.id) ?? 0]));
}
