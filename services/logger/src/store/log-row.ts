/** One request in the request log: the usage event's facts as columns, the event itself as JSON. */
export interface LogRow {
  request_id: string;
  time_ms: number;
  outcome: string;
  status: number;
  endpoint: string;
  key_name: string;
  team: string;
  model: string;
  deployment_id: string;
  provider: string;
  upstream_model: string;
  stream: boolean;
  strategy: string;
  cache: string;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  latency_ms: number;
  ttft_ms: number;
  attempts: number;
  error_code: string;
  /** The usage event as protobuf JSON. */
  event: string;
}

/** Column order for inserts; `event` last. */
export const LOG_COLUMNS = [
  "request_id",
  "time_ms",
  "outcome",
  "status",
  "endpoint",
  "key_name",
  "team",
  "model",
  "deployment_id",
  "provider",
  "upstream_model",
  "stream",
  "strategy",
  "cache",
  "prompt_tokens",
  "completion_tokens",
  "cost_usd",
  "latency_ms",
  "ttft_ms",
  "attempts",
  "error_code",
  "event",
] as const satisfies readonly (keyof LogRow)[];

/** The usage event's fields the log keeps (protobuf JSON names; absent means the proto default). */
interface UsageJson {
  requestId?: string;
  time?: string;
  outcome?: string;
  status?: number;
  endpoint?: string;
  keyName?: string;
  team?: string;
  model?: string;
  deploymentId?: string;
  provider?: string;
  upstreamModel?: string;
  stream?: boolean;
  strategy?: string;
  cache?: string;
  usage?: { promptTokens?: number; completionTokens?: number };
  costUsd?: number | string;
  latencyMs?: number | string;
  ttftMs?: number | string;
  attempts?: unknown[];
  failure?: { code?: string };
}

/** The row for a usage event, from its protobuf JSON; `receivedMs` stands in for a missing time. */
export function rowOf(json: string, receivedMs: number): LogRow {
  const e = JSON.parse(json) as UsageJson;
  const time = e.time ? Date.parse(e.time) : Number.NaN;
  return {
    request_id: e.requestId ?? "",
    time_ms: Number.isFinite(time) ? time : receivedMs,
    outcome: e.outcome ?? "",
    status: e.status ?? 0,
    endpoint: e.endpoint ?? "",
    key_name: e.keyName ?? "",
    team: e.team ?? "",
    model: e.model ?? "",
    deployment_id: e.deploymentId ?? "",
    provider: e.provider ?? "",
    upstream_model: e.upstreamModel ?? "",
    stream: e.stream ?? false,
    strategy: e.strategy ?? "",
    cache: e.cache ?? "",
    prompt_tokens: e.usage?.promptTokens ?? 0,
    completion_tokens: e.usage?.completionTokens ?? 0,
    cost_usd: finite(e.costUsd),
    latency_ms: finite(e.latencyMs),
    ttft_ms: finite(e.ttftMs),
    attempts: e.attempts?.length ?? 0,
    error_code: e.failure?.code ?? "",
    event: json,
  };
}

function finite(value: number | string | undefined): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** What `GET /logs` filters on; every field optional. Times are epoch milliseconds, `to` exclusive. */
export interface LogFilter {
  key?: string;
  team?: string;
  model?: string;
  deployment?: string;
  outcome?: string;
  from?: number;
  to?: number;
  cursor?: string;
  limit: number;
}

export interface LogPage {
  rows: LogRow[];
  /** Pass as `cursor` for the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** Newest first; the cursor is the last row's (time, request id), opaque to clients. */
export function encodeCursor(row: Pick<LogRow, "time_ms" | "request_id">): string {
  return Buffer.from(JSON.stringify([row.time_ms, row.request_id])).toString("base64url");
}

export function decodeCursor(cursor: string): [number, string] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === "string")
      return [value[0], value[1]];
  } catch {}
  return undefined;
}

const EQUALS = [
  ["key", "key_name"],
  ["team", "team"],
  ["model", "model"],
  ["deployment", "deployment_id"],
  ["outcome", "outcome"],
] as const;

/**
 * The WHERE clause and its values for a filter, with the dialect's placeholder for the n-th value
 * (`?` for SQLite, `$n` for PostgreSQL). Every filter is a parameter: nothing from the client reaches the SQL text.
 */
export function whereOf(filter: LogFilter, placeholder: (n: number) => string): { sql: string; values: (string | number)[] } {
  const clauses: string[] = [];
  const values: (string | number)[] = [];
  const next = (value: string | number) => {
    values.push(value);
    return placeholder(values.length);
  };
  for (const [param, column] of EQUALS) {
    const value = filter[param];
    if (value !== undefined) clauses.push(`${column} = ${next(value)}`);
  }
  if (filter.from !== undefined) clauses.push(`time_ms >= ${next(filter.from)}`);
  if (filter.to !== undefined) clauses.push(`time_ms < ${next(filter.to)}`);
  const cursor = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
  if (cursor) {
    const [time, id] = cursor;
    clauses.push(`(time_ms < ${next(time)} OR (time_ms = ${next(time)} AND request_id < ${next(id)}))`);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", values };
}

/** The page from `limit + 1` rows read: the extra row only says that another page exists. */
export function pageOf(rows: LogRow[], limit: number): LogPage {
  if (rows.length <= limit) return { rows };
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: encodeCursor(page[page.length - 1]!) };
}

/** Columns `stats` may group by, by the name the API uses. */
export const GROUP_COLUMNS = { key: "key_name", team: "team", model: "model", deployment: "deployment_id", outcome: "outcome" } as const;
export type GroupBy = keyof typeof GROUP_COLUMNS;

/** Totals per time bucket (and group), for the dashboard's charts. */
export interface StatsFilter extends Omit<LogFilter, "cursor" | "limit"> {
  from: number;
  to: number;
  bucketMs: number;
  groupBy?: GroupBy;
}

export interface StatsRow {
  /** Start of the bucket, epoch milliseconds. */
  bucket: number;
  /** The group's value; empty when not grouped. */
  group: string;
  requests: number;
  failed: number;
  rejected: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  latency_ms_avg: number;
  latency_ms_max: number;
  cache_hits: number;
  cache_misses: number;
}

/** The totals query, grouped by bucket (and a column from GROUP_COLUMNS, never client text). */
export function statsSql(filter: StatsFilter, placeholder: (n: number) => string): { sql: string; values: (string | number)[] } {
  const where = whereOf({ ...filter, limit: 0 }, placeholder);
  // A number, never text: written into the SQL so that both dialects divide integers.
  const width = Math.trunc(filter.bucketMs);
  if (!Number.isSafeInteger(width) || width < 1) throw new RangeError(`bucket width ${filter.bucketMs} is not a positive integer`);
  const bucket = `(time_ms / ${width}) * ${width}`;
  const group = filter.groupBy ? GROUP_COLUMNS[filter.groupBy] : "''";
  return {
    sql: `SELECT ${bucket} AS bucket, ${group} AS grp, COUNT(*) AS requests,
      SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END) AS failed,
      SUM(CASE WHEN outcome = 'rejected' THEN 1 ELSE 0 END) AS rejected,
      SUM(cost_usd) AS cost_usd, SUM(prompt_tokens) AS input_tokens, SUM(completion_tokens) AS output_tokens,
      AVG(latency_ms) AS latency_ms_avg, MAX(latency_ms) AS latency_ms_max,
      SUM(CASE WHEN cache IN ('hit', 'semantic-hit') THEN 1 ELSE 0 END) AS cache_hits,
      SUM(CASE WHEN cache IN ('miss', 'refresh') THEN 1 ELSE 0 END) AS cache_misses
      FROM request_log ${where.sql} GROUP BY 1, 2 ORDER BY 1, 2`,
    values: where.values,
  };
}

/** A totals row as numbers (PostgreSQL returns sums of BIGINT and NUMERIC as strings). */
export function statsRowOf(row: Record<string, unknown>): StatsRow {
  const n = (key: string) => Number(row[key] ?? 0);
  return {
    bucket: n("bucket"),
    group: String(row.grp ?? ""),
    requests: n("requests"),
    failed: n("failed"),
    rejected: n("rejected"),
    cost_usd: n("cost_usd"),
    input_tokens: n("input_tokens"),
    output_tokens: n("output_tokens"),
    latency_ms_avg: n("latency_ms_avg"),
    latency_ms_max: n("latency_ms_max"),
    cache_hits: n("cache_hits"),
    cache_misses: n("cache_misses"),
  };
}

export interface LogStore {
  readonly kind: "sqlite" | "postgres";
  /** Stores rows whose request id is not logged yet; resolves to how many were new. */
  insert(rows: readonly LogRow[]): Promise<number>;
  query(filter: LogFilter): Promise<LogPage>;
  get(requestId: string): Promise<LogRow | undefined>;
  stats(filter: StatsFilter): Promise<StatsRow[]>;
  /** Deletes rows older than `maxAgeMs` and, beyond `maxRows`, the oldest; resolves to how many went. */
  prune(maxAgeMs: number, maxRows: number, nowMs?: number): Promise<number>;
  /** Problems that make the store unusable; empty when it answers. */
  readiness(): Promise<string[]>;
  close(): Promise<void>;
}
