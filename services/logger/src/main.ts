import { SERVICE_PORTS } from "@switchyard/config";
import { redactCredentials } from "@switchyard/telemetry";
import { runUsageConsumer } from "@switchyard/usage-service";
import { RequestLog } from "./request-log.js";

await runUsageConsumer({
  name: "logger",
  defaultOpsPort: SERVICE_PORTS.logger.ops,
  metric: { name: "switchyard_logger_events_total", help: "Usage events seen by logger", applied: "logged" },
  createHandler: ({ redis, env }) => {
    const log = new RequestLog(redis, { prefix: env.SWITCHYARD_REDIS_PREFIX, retentionS: 7 * 24 * 3600, maxEntries: 1_000_000 });
    // The stored document is scrubbed too: an error message that slipped past the connector's redaction stops here.
    return (records) => log.appendAll(records.map((record) => ({ ...record, json: redactCredentials(record.json) })));
  },
});
