import { consumeUsage, connectBus } from "@switchyard/bus";
import { SERVICE_PORTS } from "@switchyard/config";
import { runService } from "@switchyard/service-kit";
import { Counter } from "@switchyard/telemetry";
import { Redis } from "ioredis";
import { RequestLog } from "./request-log.js";

/** Durable consumer name on SWITCHYARD_USAGE; replicas share it and split the work. */
const DURABLE = "logger";

await runService("logger", SERVICE_PORTS.logger.ops, async ({ env, logger, registry }) => {
  // One Redis call per batch already: auto-pipelining would only add a tick per call.
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2 });
  redis.on("error", (error: Error) => logger.warn({ err: error.message }, "redis error"));
  const log = new RequestLog(redis, { prefix: env.SWITCHYARD_REDIS_PREFIX, retentionS: 7 * 24 * 3600, maxEntries: 1_000_000 });
  const handled = new Counter({ name: "switchyard_logger_events_total", help: "Usage events seen by logger", labelNames: ["result"], registers: [registry] });
  const nats = await connectBus(env.NATS_URL, "switchyard-logger", logger);
  const consumer = await consumeUsage(nats, {
    durable: DURABLE,
    logger,
    handleBatch: async (records) => {
      const applied = await log.appendAll(records);
      handled.inc({ result: "logged" }, applied);
      if (applied < records.length) handled.inc({ result: "duplicate" }, records.length - applied);
    },
  });
  return {
    readiness: () => [
      ...(redis.status === "ready" ? [] : [`redis is ${redis.status}`]),
      ...(nats.isClosed() ? ["nats connection closed"] : []),
    ],
    shutdown: [
      ["consumer", () => consumer.stop()],
      ["nats", () => nats.drain()],
      ["redis", () => redis.quit()],
    ],
    details: { durable: DURABLE },
  };
});
