import type { UsageFacts } from "@switchyard/bus";

/** The periods spend is kept for: a day and a month (UTC), and all time. */
export function periodsOf(time: Date): string[] {
  const iso = time.toISOString();
  return [`day:${iso.slice(0, 10)}`, `month:${iso.slice(0, 7)}`, "total"];
}

/** Every Redis hash one event adds to: per key, per team (when it has one), per model, per period. */
export function spendKeys(event: Pick<UsageFacts, "keyName" | "model" | "team">, prefix: string, time: Date): string[] {
  const scopes = [`key:${event.keyName || "anonymous"}`, `model:${event.model || "unknown"}`];
  if (event.team) scopes.push(`team:${event.team}`);
  const periods = periodsOf(time);
  return scopes.flatMap((scope) => periods.map((period) => `${prefix}spend:${scope}:${period}`));
}
