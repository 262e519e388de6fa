import { create } from "@bufbuild/protobuf";
import { deploymentMessageOf, type ModelConfig, servesCapabilities } from "@switchyard/config";
import { type ListModelsResponse, ListModelsResponseSchema, type PlanResponse, PlanResponseSchema } from "@switchyard/proto";

/** What a plan is asked for, as the router's PlanRequest says it. */
export interface PlanShape {
  model: string;
  operation: string;
  requiredCapabilities: readonly string[];
}

/**
 * Plans for while the router cannot be reached: the last good plan for the same model, operation
 * and capabilities, or, for one never planned, the config's deployments in their written order
 * (as the failover strategy plans them). Only the config's models are read: no provider secret.
 */
export class PlanFallback {
  private readonly lastGood = new Map<string, PlanResponse>();
  private downUntil = 0;

  constructor(
    private readonly models: Readonly<Record<string, ModelConfig>>,
    /** After a failed call, how long requests go straight to the fallback instead of waiting on the router again. */
    private readonly skipMs = 1_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** Keeps a plan the router answered (answers that are failures are not plans). */
  remember(key: string, plan: PlanResponse): void {
    if (plan.failure) return;
    this.lastGood.delete(key);
    if (this.lastGood.size >= this.maxEntries) this.lastGood.delete(this.lastGood.keys().next().value as string);
    this.lastGood.set(key, plan);
    this.downUntil = 0;
  }

  markDown(now = Date.now()): void {
    this.downUntil = now + this.skipMs;
  }

  /** True shortly after a failed call: requests then skip the router rather than each wait on it. */
  isDown(now = Date.now()): boolean {
    return now < this.downUntil;
  }

  /** A plan without the router, or undefined when neither a last plan nor the config has one. */
  planFor(key: string, shape: PlanShape): PlanResponse | undefined {
    const last = this.lastGood.get(key);
    if (last) {
      // reuseMs 0: a stand-in is never cached as if the router had said it.
      return create(PlanResponseSchema, { ...last, reason: `${last.reason}; router unavailable, last plan`, reuseMs: 0 });
    }
    const model = this.models[shape.model];
    if (!model?.operations.includes(shape.operation as ModelConfig["operations"][number])) return undefined;
    const eligible = model.deployments.filter((d) => servesCapabilities(d, shape.requiredCapabilities));
    if (eligible.length === 0) return undefined;
    return create(PlanResponseSchema, {
      strategy: model.strategy,
      reason: "router unavailable, config order",
      timeoutMs: model.timeout_ms,
      reuseMs: 0,
      attempts: eligible.map(deploymentMessageOf),
    });
  }

  /** The config's models, for `/v1/models` while the router cannot list them. */
  listModels(): ListModelsResponse {
    return create(ListModelsResponseSchema, {
      models: Object.values(this.models).map((m) => ({
        id: m.name,
        strategy: m.strategy,
        providers: [...new Set(m.deployments.map((d) => d.provider))],
        operations: m.operations,
      })),
    });
  }
}

/** A deployment that declares no capabilities is taken to serve any (the router's rule too). */
/**
 * Asks the router, falling back to `fallback`'s plan when the call fails (router down, hung past
 * the deadline, or its channel broken). Shortly after a failure the router is not asked at all, so
 * a hung router costs one deadline per `skipMs` instead of one per request.
 */
export async function planWithFallback(
  fallback: PlanFallback | undefined,
  key: string,
  shape: PlanShape,
  ask: () => Promise<PlanResponse>,
): Promise<PlanResponse> {
  if (!fallback) return ask();
  if (fallback.isDown()) {
    const standIn = fallback.planFor(key, shape);
    if (standIn) return standIn;
  }
  try {
    const plan = await ask();
    fallback.remember(key, plan);
    return plan;
  } catch (error) {
    fallback.markDown();
    const standIn = fallback.planFor(key, shape);
    if (standIn) return standIn;
    throw error;
  }
}
