import type { UsageRecord } from "@switchyard/bus";
import type { Env, ObservabilityConfig } from "@switchyard/config";
import { Counter, Histogram, type Logger, type Registry } from "@switchyard/telemetry";
import type { UsageStore } from "@switchyard/usage-service";
import { logQueryRoute } from "./query-api.js";
import { describeStore, type LogStore, openLogStore, rowOf } from "./store/index.js";

const PRUNE_EVERY_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The logger's store: usage events become request-log rows (one per request id, however often
 * JetStream redelivers), old and surplus rows are pruned on a timer, and the log is served to the
 * ingress on the ops port.
 */
export async function openRequestLog(context: {
  env: Env;
  config: { observability: ObservabilityConfig };
  logger: Logger;
  registry: Registry;
}): Promise<UsageStore> {
  const { env, logger, registry } = context;
  const settings = context.config.observability.request_log;
  const store: LogStore = await openLogStore(env.SWITCHYARD_LOG_DB, env.SWITCHYARD_DATA_DIR);
  const pruned = new Counter({
    name: "switchyard_request_log_pruned_rows_total",
    help: "Request-log rows deleted by retention (age or size)",
    registers: [registry],
  });
  const insertTime = new Histogram({
    name: "switchyard_request_log_insert_seconds",
    help: "Writing one batch of usage events to the request log database",
    labelNames: ["database"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const prune = async () => {
    try {
      pruned.inc(await store.prune(settings.max_age_days * DAY_MS, settings.max_rows));
    } catch (error) {
      logger.warn({ err: error }, "request log pruning failed");
    }
  };
  void prune();
  const timer = setInterval(() => void prune(), PRUNE_EVERY_MS);
  timer.unref();
  return {
    handle: async (records: UsageRecord[]) => {
      const now = Date.now();
      const end = insertTime.startTimer({ database: store.kind });
      const added = await store.insert(records.map((record) => rowOf(record.json, now)));
      end();
      return added;
    },
    readiness: () => store.readiness(),
    close: async () => {
      clearInterval(timer);
      await store.close();
    },
    routes: logQueryRoute(store),
    details: { request_log: describeStore(env.SWITCHYARD_LOG_DB, store) },
  };
}
