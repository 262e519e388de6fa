import { SERVICE_PORTS } from "@switchyard/config";
import { runUsageConsumer } from "@switchyard/usage-service";
import { SpendLedger } from "./spend-ledger.js";

await runUsageConsumer({
  name: "budget",
  defaultOpsPort: SERVICE_PORTS.budget.ops,
  metric: { name: "switchyard_budget_events_total", help: "Usage events seen by budget", applied: "counted" },
  createHandler: ({ redis, env }) => {
    const ledger = new SpendLedger(redis, env.SWITCHYARD_REDIS_PREFIX);
    return (records) => ledger.recordAll(records);
  },
});
