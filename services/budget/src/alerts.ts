import type { BudgetFile } from "@switchyard/config";
import { type Period, periodEnd, periodId, spendKey } from "@switchyard/spend";
import type { Redis } from "ioredis";
import type { SpendEntry } from "./spend-ledger.js";

export const ALERT_THRESHOLDS = [50, 80, 100] as const;

export interface BudgetAlert {
  /** `key:<name>` or `team:<name>` */
  scope: string;
  period: Period;
  period_id: string;
  threshold_percent: number;
  spent_usd: number;
  budget_usd: number;
  /** RFC 3339; absent for a `total` budget. */
  resets_at?: string;
}

/** How long the budgets policy stores are reused before reading them again. */
const BUDGETS_REUSE_MS = 2_000;

/**
 * Tells when spend crosses 50, 80 and 100% of a key's or team's budget, once per threshold and
 * period however many consumers and redeliveries see it (a marker in Redis decides who says it).
 */
export class BudgetAlerts {
  private budgets: Map<string, BudgetFile> = new Map();
  private readAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly alert: (alert: BudgetAlert) => void,
  ) {}

  async check(entries: readonly SpendEntry[], now = new Date()): Promise<void> {
    const budgets = await this.current(now.getTime());
    if (budgets.size === 0) return;
    const scopes = new Set<string>();
    for (const entry of entries) {
      if (budgets.has(`key:${entry.keyName}`)) scopes.add(`key:${entry.keyName}`);
      if (entry.team && budgets.has(`team:${entry.team}`)) scopes.add(`team:${entry.team}`);
    }
    for (const scope of scopes) {
      const budget = budgets.get(scope)!;
      const period = budget.period ?? "month";
      const id = periodId(period, now);
      const spent = Number((await this.redis.hget(spendKey(this.prefix, scope, id), "cost_usd")) ?? 0);
      for (const threshold of ALERT_THRESHOLDS) {
        if (budget.usd > 0 ? spent * 100 < budget.usd * threshold : spent <= 0) continue;
        const end = periodEnd(period, now);
        const ttlS = end ? Math.ceil((end.getTime() - now.getTime()) / 1000) + 86_400 : 400 * 86_400;
        const first = await this.redis.set(`${this.prefix}spend:alerted:${scope}:${id}:${threshold}:${budget.usd}`, "1", "EX", ttlS, "NX");
        if (first !== "OK") continue;
        this.alert({
          scope,
          period,
          period_id: id,
          threshold_percent: threshold,
          spent_usd: spent,
          budget_usd: budget.usd,
          ...(end ? { resets_at: end.toISOString() } : {}),
        });
      }
    }
  }

  /** Budgets by spend scope: the config file's, and the admin API's over them. */
  private async current(now: number): Promise<Map<string, BudgetFile>> {
    if (now - this.readAt < BUDGETS_REUSE_MS) return this.budgets;
    const [fromConfig, fromApi] = await Promise.all([
      this.redis.hgetall(`${this.prefix}{policy}:config-budgets`),
      this.redis.hgetall(`${this.prefix}{policy}:budgets`),
    ]);
    this.budgets = new Map(Object.entries({ ...fromConfig, ...fromApi }).map(([scope, json]) => [scope, JSON.parse(json) as BudgetFile]));
    this.readAt = now;
    return this.budgets;
  }
}
