import { CONTROL_INVALIDATE_SUBJECT, connectBus } from "@switchyard/bus";
import { portOf, SERVICE_PORTS } from "@switchyard/config";
import { startGrpcServer } from "@switchyard/grpc";
import { PolicyService } from "@switchyard/proto";
import { runService } from "@switchyard/service-kit";
import { Redis } from "ioredis";
import { AdminOperations } from "./admin.js";
import { Authorizer, ConfigRules } from "./authorizer.js";
import { policyHandlers } from "./handlers.js";
import { watchConfig } from "./reload.js";
import { SpendReport } from "./spend-report.js";
import { PolicyStore } from "./store.js";

await runService(
  "policy",
  SERVICE_PORTS.policy.ops,
  async ({ env, config, logger }) => {
    let rules = new ConfigRules(config);
    const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on("error", (error: Error) => logger.warn({ err: error.message }, "redis error"));
    const store = new PolicyStore(redis, env.SWITCHYARD_REDIS_PREFIX);
    // The budget consumer reads the config's budgets from Redis (for alerts): stored at every
    // (re)connection, so a Redis restart or a late start does not lose them. The listener comes
    // before any await, or the first ready event may pass unheard.
    const publishBudgets = () =>
      store
        .setConfigBudgets(rules.budgets())
        .catch((error: unknown) => logger.warn({ err: error }, "could not store the config's budgets for alerts"));
    redis.on("ready", () => void publishBudgets());
    const nats = await connectBus(env.NATS_URL, "switchyard-policy", logger);
    // Every ingress drops the decisions it reuses, so a revoked key stops working at once.
    const changed = () => nats.publish(CONTROL_INVALIDATE_SUBJECT, "policy");

    const authorizer = new Authorizer(() => rules, store);
    const admin = new AdminOperations(() => rules, store, new SpendReport(redis, env.SWITCHYARD_REDIS_PREFIX), changed);
    const stopWatching = watchConfig(env.SWITCHYARD_CONFIG, logger, (fresh) => {
      rules = new ConfigRules(fresh);
      void publishBudgets();
      changed();
    });
    const server = await startGrpcServer(
      env.GRPC_HOST,
      portOf(env.GRPC_PORT, SERVICE_PORTS.policy.grpc),
      (s) => s.add(PolicyService, policyHandlers(authorizer, admin)),
      (error, method) => logger.error({ err: error, method }, "handler failed"),
      env.GRPC_SOCKET,
    );
    return {
      // Ready without Redis: the config file's keys are still served (the admin API's are not, and
      // say so in their errors); taken out of rotation, policy would refuse every key instead.
      readiness: () => (nats.isClosed() ? ["nats connection closed"] : []),
      shutdown: [
        ["config watch", stopWatching],
        ["grpc server", () => server.shutdown()],
        ["nats", () => nats.drain()],
        ["redis", () => redis.quit()],
      ],
      details: { grpcPort: server.port, keys: config.keys.length },
    };
  },
  { needsKeys: true },
);
