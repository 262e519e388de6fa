import { connectBus, consumeUsage, type NatsConnection, type UsageRecord } from "@switchyard/bus";
import type { Env, GatewayConfig } from "@switchyard/config";
import { runService } from "@switchyard/service-kit";
import { Counter, type Logger } from "@switchyard/telemetry";
import { Redis } from "ioredis";

export interface UsageConsumerSpec {
  /** Service name; also the durable consumer's name on SWITCHYARD_USAGE, so replicas split the work. */
  name: string;
  /** OPS_PORT when the environment does not set one. */
  defaultOpsPort: number;
  /** Counter of events handled, labelled `result`: `applied` for new events, `duplicate` for redeliveries. */
  metric: { name: string; help: string; applied: string };
  /**
   * Builds the service's handler over its Redis client. The handler stores a batch idempotently
   * per request id and resolves to how many of its events were new; throwing redelivers the batch.
   */
  createHandler(context: { redis: Redis; env: Env; logger: Logger; nats: NatsConnection; config: GatewayConfig }): (records: UsageRecord[]) => Promise<number>;
}

/**
 * The life of a usage-event service (budget, logger): a durable consumer over every usage event,
 * a Redis client, a counter, readiness (Redis ready, NATS open) and an orderly shutdown.
 */
export function runUsageConsumer(spec: UsageConsumerSpec): Promise<void> {
  return runService(spec.name, spec.defaultOpsPort, async ({ env, logger, registry, config }) => {
    // One Redis call per batch already: auto-pipelining would only add a tick per call.
    const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2 });
    redis.on("error", (error: Error) => logger.warn({ err: error.message }, "redis error"));
    const nats = await connectBus(env.NATS_URL, `switchyard-${spec.name}`, logger);
    const handle = spec.createHandler({ redis, env, logger, nats, config });
    const handled = new Counter({ name: spec.metric.name, help: spec.metric.help, labelNames: ["result"], registers: [registry] });
    const consumer = await consumeUsage(nats, {
      durable: spec.name,
      logger,
      handleBatch: async (records) => {
        const applied = await handle(records);
        handled.inc({ result: spec.metric.applied }, applied);
        if (applied < records.length) handled.inc({ result: "duplicate" }, records.length - applied);
      },
    });
    return {
      readiness: () => [...(redis.status === "ready" ? [] : [`redis is ${redis.status}`]), ...(nats.isClosed() ? ["nats connection closed"] : [])],
      shutdown: [
        ["consumer", () => consumer.stop()],
        ["nats", () => nats.drain()],
        ["redis", () => redis.quit()],
      ],
      details: { durable: spec.name },
    };
  });
}
