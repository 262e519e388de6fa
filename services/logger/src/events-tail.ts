/** A usage event as `npm run events` reads it (protobuf JSON field names; absent means the default). */
export interface EventJson {
  requestId?: string;
  time?: string;
  outcome?: string;
  status?: number;
  endpoint?: string;
  keyName?: string;
  team?: string;
  model?: string;
  deploymentId?: string;
  stream?: boolean;
  usage?: { promptTokens?: number; completionTokens?: number };
  costUsd?: number;
  cache?: string;
  latencyMs?: number;
  ttftMs?: number;
  attempts?: { deploymentId?: string; status?: number }[];
  failure?: { code?: string; message?: string };
}

export interface TailFilter {
  key?: string;
  team?: string;
  model?: string;
  deployment?: string;
  outcome?: string;
}

export function matches(event: EventJson, filter: TailFilter): boolean {
  return (
    (filter.key === undefined || event.keyName === filter.key) &&
    (filter.team === undefined || event.team === filter.team) &&
    (filter.model === undefined || event.model === filter.model) &&
    (filter.deployment === undefined || event.deploymentId === filter.deployment) &&
    (filter.outcome === undefined || event.outcome === filter.outcome)
  );
}

const COLORS: Record<string, string> = {
  success: "\x1b[32m",
  cache_hit: "\x1b[36m",
  rejected: "\x1b[33m",
  failed: "\x1b[31m",
  cancelled: "\x1b[35m",
};
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";

/**
 * One readable line per event: time, outcome and status, model → deployment, key and team,
 * tokens, cost, latency (and TTFT), cache, the attempts in order, the error, the request id.
 */
export function formatEvent(event: EventJson, color = false): string {
  const paint = (code: string | undefined, text: string) => (color && code ? `${code}${text}${RESET}` : text);
  const time = event.time ? event.time.slice(11, 23) : "--:--:--.---";
  const outcome = paint(COLORS[event.outcome ?? ""], (event.outcome ?? "?").padEnd(9));
  const route = event.deploymentId ? `${event.model ?? ""} → ${event.deploymentId}` : (event.model ?? "");
  const who = [`key=${event.keyName || "-"}`, ...(event.team ? [`team=${event.team}`] : [])].join(" ");
  const parts = [
    paint(DIM, time),
    outcome,
    String(event.status ?? 0),
    route,
    who,
    `tokens=${event.usage?.promptTokens ?? 0}/${event.usage?.completionTokens ?? 0}`,
    `$${(event.costUsd ?? 0).toFixed(6)}`,
    `${(event.latencyMs ?? 0).toFixed(1)}ms${event.ttftMs ? ` (ttft ${event.ttftMs.toFixed(1)}ms)` : ""}`,
  ];
  if (event.cache) parts.push(`cache=${event.cache}`);
  if ((event.attempts?.length ?? 0) > 1 || event.failure) {
    parts.push(`attempts=${(event.attempts ?? []).map((a) => `${a.deploymentId ?? "?"}:${a.status ?? 0}`).join(",") || "-"}`);
  }
  if (event.failure?.code) parts.push(paint(COLORS.failed, `error=${event.failure.code}`));
  parts.push(paint(DIM, event.requestId ?? ""));
  return parts.join("  ");
}
