/**
 * Where spend lives in Redis, shared by the budget consumer (writes it), policy (reports it) and the
 * ingress (checks budgets against it): one hash per scope and period, e.g.
 * `<prefix>spend:key:app:month:2026-11` with `cost_usd`, `requests`, `prompt_tokens`, `completion_tokens`.
 */

export const PERIODS = ["day", "week", "month", "total"] as const;
export type Period = (typeof PERIODS)[number];

/** Spend scopes grouped in reports; `all` sums every request. */
export const SCOPE_KINDS = ["key", "team", "model"] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/** The period's id for `time` (UTC): `day:2026-11-24`, `week:2026-W48` (ISO weeks, from Monday), `month:2026-11`, `total`. */
export function periodId(period: Period, time: Date): string {
  switch (period) {
    case "day":
      return `day:${time.toISOString().slice(0, 10)}`;
    case "week": {
      const { year, week } = isoWeek(time);
      return `week:${year}-W${String(week).padStart(2, "0")}`;
    }
    case "month":
      return `month:${time.toISOString().slice(0, 7)}`;
    case "total":
      return "total";
  }
}

/** Every period an event at `time` adds to. */
export function periodsOf(time: Date): string[] {
  return PERIODS.map((period) => periodId(period, time));
}

/** When the period that holds `time` ends and spend starts again from 0; undefined for `total`. */
export function periodEnd(period: Period, time: Date): Date | undefined {
  const y = time.getUTCFullYear();
  const m = time.getUTCMonth();
  const d = time.getUTCDate();
  switch (period) {
    case "day":
      return new Date(Date.UTC(y, m, d + 1));
    case "week":
      return new Date(Date.UTC(y, m, d + 7 - ((time.getUTCDay() + 6) % 7)));
    case "month":
      return new Date(Date.UTC(y, m + 1, 1));
    case "total":
      return undefined;
  }
}

export function spendKey(prefix: string, scope: string, period: string): string {
  return `${prefix}spend:${scope}:${period}`;
}

/** The set of names seen in a scope kind (`key`, `team`, `model`), for reports grouped by it. */
export function scopeIndexKey(prefix: string, kind: ScopeKind): string {
  return `${prefix}spend:index:${kind}`;
}

export interface SpendScopes {
  keyName: string;
  team: string;
  model: string;
}

/** The scopes one event adds to: its key, its model, its team when it has one, and `all`. */
export function scopesOf(event: SpendScopes): { kind: ScopeKind | "all"; name: string }[] {
  const scopes: { kind: ScopeKind | "all"; name: string }[] = [
    { kind: "key", name: event.keyName },
    { kind: "model", name: event.model || "unknown" },
  ];
  if (event.team) scopes.push({ kind: "team", name: event.team });
  scopes.push({ kind: "all", name: "" });
  return scopes;
}

export function scopeName(scope: { kind: string; name: string }): string {
  return scope.kind === "all" ? "all" : `${scope.kind}:${scope.name}`;
}

/** Every Redis hash one event adds to: per scope, per period. */
export function spendKeys(event: SpendScopes, prefix: string, time: Date): string[] {
  const periods = periodsOf(time);
  return scopesOf(event).flatMap((scope) => periods.map((period) => spendKey(prefix, scopeName(scope), period)));
}

/** ISO 8601 week-numbering year and week of a UTC date. */
function isoWeek(time: Date): { year: number; week: number } {
  const date = new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()));
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0
  date.setUTCDate(date.getUTCDate() - weekday + 3); // the Thursday of this week decides the year
  const year = date.getUTCFullYear();
  const jan4 = new Date(Date.UTC(year, 0, 4)); // always in week 1
  const week = 1 + Math.round(((date.getTime() - jan4.getTime()) / 86_400_000 - 3 + ((jan4.getUTCDay() + 6) % 7)) / 7);
  return { year, week };
}
