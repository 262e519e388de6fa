import { BUDGET_ALERT_SUBJECT } from "@switchyard/bus";
import { SERVICE_PORTS } from "@switchyard/config";
import { runUsageConsumer } from "@switchyard/usage-service";
import { BudgetAlerts } from "./alerts.js";
import { accounted, SpendLedger } from "./spend-ledger.js";

await runUsageConsumer({
  name: "budget",
  defaultOpsPort: SERVICE_PORTS.budget.ops,
  metric: { name: "switchyard_budget_events_total", help: "Usage events seen by budget", applied: "counted" },
  createHandler: ({ redis, env, nats, logger }) => {
    const ledger = new SpendLedger(redis, env.SWITCHYARD_REDIS_PREFIX);
    const alerts = new BudgetAlerts(redis, env.SWITCHYARD_REDIS_PREFIX, (alert) => {
      logger.warn(alert, "budget threshold crossed");
      nats.publish(BUDGET_ALERT_SUBJECT, JSON.stringify(alert));
    });
    return async (records) => {
      const entries = records.filter(accounted);
      const counted = await ledger.recordAll(entries);
      if (counted > 0) {
        // Alerts are advice: a failure here must not hand the batch back (it is counted already).
        await alerts.check(entries).catch((error: unknown) => logger.warn({ err: error }, "budget alert check failed"));
      }
      return counted + (records.length - entries.length);
    };
  },
});
