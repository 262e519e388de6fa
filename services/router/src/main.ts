import { connectBus } from "@switchyard/bus";
import { type GatewayConfig, type ModelConfig, portOf, SERVICE_PORTS } from "@switchyard/config";
import { startGrpcServer } from "@switchyard/grpc";
import { RouterService } from "@switchyard/proto";
import { runService } from "@switchyard/service-kit";
import { routerHandlers } from "./handlers.js";
import { type CooldownOf, HealthBook } from "./health.js";
import { learnFromUsage } from "./learning.js";
import { Planner } from "./planner.js";

/** How far back a starting router reads the usage stream: longer than any cooldown or EWMA memory that matters. */
const REPLAY_MS = 10 * 60_000;

await runService("router", SERVICE_PORTS.router.ops, async ({ env, config, logger }) => {
  const health = new HealthBook(cooldownByDeployment(config));
  const planner = new Planner(config, health);
  const nats = await connectBus(env.NATS_URL, "switchyard-router", logger);
  const learning = await learnFromUsage(nats, health, { replayMs: REPLAY_MS, logger, fingerprint: () => fingerprint(planner) });
  const server = await startGrpcServer(
    env.GRPC_HOST,
    portOf(env.GRPC_PORT, SERVICE_PORTS.router.grpc),
    (s) =>
      s.add(
        RouterService,
        routerHandlers(() => planner),
      ),
    (error, method) => logger.error({ err: error, method }, "handler failed"),
    env.GRPC_SOCKET,
  );
  return {
    readiness: () => (nats.isClosed() ? ["nats connection closed"] : []),
    shutdown: [
      ["grpc server", () => server.shutdown()],
      ["usage learning", () => learning.stop()],
      ["nats", () => nats.drain()],
    ],
    details: { grpcPort: server.port, models: Object.keys(config.models) },
  };
});

/** The breaker settings that apply to a deployment: those of the first model that lists it. */
function cooldownByDeployment(config: GatewayConfig): CooldownOf {
  const byId = new Map<string, ModelConfig["cooldown"]>();
  for (const model of Object.values(config.models)) {
    for (const d of model.deployments) if (!byId.has(d.id)) byId.set(d.id, model.cooldown);
  }
  return (id) => byId.get(id) ?? false;
}

/** What every model's plain and streamed plan looks like now; plans the ingresses hold are stale when it changes. */
function fingerprint(planner: Planner): string {
  const parts: string[] = [];
  for (const model of planner.models()) {
    for (const stream of model.strategy === "latency" ? [false, true] : [false]) {
      try {
        const plan = planner.plan(
          model.name,
          { requiredCapabilities: [], estimatedPromptTokens: 0, stream, random: () => 0 },
          model.operations[0],
        );
        parts.push(`${model.name}:${plan.attempts.map((d) => d.id).join(",")}|${plan.skipped.map((s) => s.deploymentId).join(",")}`);
      } catch {
        parts.push(`${model.name}:-`);
      }
    }
  }
  return parts.join("\n");
}
