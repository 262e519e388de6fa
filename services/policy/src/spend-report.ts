import type { BudgetFile } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { PERIODS, type Period, periodEnd, periodId, type ScopeKind, scopeIndexKey, spendKey } from "@switchyard/spend";
import type { Redis } from "ioredis";

export interface SpendTotals {
  cost_usd: number;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface SpendQuery {
  group_by?: ScopeKind | "day";
  /** YYYY-MM-DD, inclusive; default: the first day of this month. */
  from?: string;
  /** YYYY-MM-DD, inclusive; default: today. */
  to?: string;
}

/** Days a report may span: the ledger keeps one hash per scope and day. */
const MAX_DAYS = 366;
const FIELDS = ["cost_usd", "requests", "prompt_tokens", "completion_tokens"] as const;

/** Reads the budget consumer's ledger (see @switchyard/spend) for the admin API and `/v1/spend`. */
export class SpendReport {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async query(query: SpendQuery, now = new Date()): Promise<Record<string, unknown>> {
    const groupBy = query.group_by ?? "key";
    const today = now.toISOString().slice(0, 10);
    const from = query.from ?? `${today.slice(0, 7)}-01`;
    const to = query.to ?? today;
    const days = daysBetween(from, to);
    const names = groupBy === "day" ? ["all"] : (await this.redis.smembers(scopeIndexKey(this.prefix, groupBy))).sort();
    const pipeline = this.redis.pipeline();
    for (const name of names) {
      const scope = groupBy === "day" ? "all" : `${groupBy}:${name}`;
      for (const day of days) pipeline.hmget(spendKey(this.prefix, scope, `day:${day}`), ...FIELDS);
    }
    const results = (await pipeline.exec()) ?? [];
    const rows: (SpendTotals & Record<string, unknown>)[] = [];
    let at = 0;
    for (const name of names) {
      if (groupBy === "day") {
        for (const day of days) {
          const totals = totalsOf([results[at++]?.[1] as (string | null)[]]);
          if (totals.requests > 0) rows.push({ day, ...totals });
        }
        continue;
      }
      const totals = totalsOf(days.map(() => results[at++]?.[1] as (string | null)[]));
      if (totals.requests > 0) rows.push({ [groupBy]: name, ...totals });
    }
    const total = rows.reduce((sum, row) => sum + row.cost_usd, 0);
    return { object: "spend", group_by: groupBy, from, to, total_usd: round(total), data: rows };
  }

  /** A key's (and its team's) spend in every period, with its budgets and when each resets. */
  async own(
    keyName: string,
    team: string,
    budgets: { key?: BudgetFile; team?: BudgetFile },
    now = new Date(),
  ): Promise<Record<string, unknown>> {
    const scopes: [string, string, BudgetFile | undefined][] = [["key", `key:${keyName}`, budgets.key]];
    if (team) scopes.push(["team", `team:${team}`, budgets.team]);
    const pipeline = this.redis.pipeline();
    for (const [, scope] of scopes)
      for (const period of PERIODS) pipeline.hmget(spendKey(this.prefix, scope, periodId(period, now)), ...FIELDS);
    const results = (await pipeline.exec()) ?? [];
    let at = 0;
    const body: Record<string, unknown> = { object: "spend", key: keyName, ...(team ? { team } : {}) };
    for (const [label, , budget] of scopes) {
      const periods: Record<string, SpendTotals & { resets_at?: string }> = {};
      for (const period of PERIODS) periods[period] = { ...totalsOf([results[at++]?.[1] as (string | null)[]]), ...resets(period, now) };
      const spent = periods[budget?.period ?? "month"]!.cost_usd;
      body[`${label}_spend`] = {
        periods,
        ...(budget
          ? {
              budget: {
                usd: budget.usd,
                period: budget.period ?? "month",
                spent_usd: spent,
                remaining_usd: round(Math.max(0, budget.usd - spent)),
              },
            }
          : {}),
      };
    }
    return body;
  }
}

function resets(period: Period, now: Date): { resets_at?: string } {
  const end = periodEnd(period, now);
  return end ? { resets_at: end.toISOString() } : {};
}

function totalsOf(hashes: ((string | null)[] | undefined)[]): SpendTotals {
  const totals: SpendTotals = { cost_usd: 0, requests: 0, prompt_tokens: 0, completion_tokens: 0 };
  for (const values of hashes) {
    if (!values) continue;
    FIELDS.forEach((field, i) => {
      totals[field] += Number(values[i] ?? 0);
    });
  }
  totals.cost_usd = round(totals.cost_usd);
  return totals;
}

/** Sums of binary fractions print with noise past the 12th decimal; no price is that fine. */
function round(usd: number): number {
  return Math.round(usd * 1e12) / 1e12;
}

function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(start))
    throw new GatewayError("invalid_request", `Invalid value for 'from': ${JSON.stringify(from)} is not a date (YYYY-MM-DD).`, {
      param: "from",
    });
  if (Number.isNaN(end))
    throw new GatewayError("invalid_request", `Invalid value for 'to': ${JSON.stringify(to)} is not a date (YYYY-MM-DD).`, { param: "to" });
  if (end < start) throw new GatewayError("invalid_request", "Invalid value for 'to': it is before 'from'.", { param: "to" });
  const count = (end - start) / 86_400_000 + 1;
  if (count > MAX_DAYS)
    throw new GatewayError("invalid_request", `Invalid value for 'to': a report spans at most ${MAX_DAYS} days.`, { param: "to" });
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}
