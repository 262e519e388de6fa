import { SERVICE_PORTS } from "@switchyard/config";
import { redactCredentials } from "@switchyard/telemetry";
import { runUsageConsumer } from "@switchyard/usage-service";
import { openRequestLog } from "./request-log-service.js";

await runUsageConsumer({
  name: "logger",
  defaultOpsPort: SERVICE_PORTS.logger.ops,
  metric: { name: "switchyard_logger_events_total", help: "Usage events seen by logger", applied: "logged" },
  openStore: openRequestLog,
});
