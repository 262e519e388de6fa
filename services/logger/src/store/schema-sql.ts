/** The request log's table; the same DDL runs on SQLite and PostgreSQL. */
export function createTableSql(dialect: "sqlite" | "postgres"): string[] {
  const real = dialect === "sqlite" ? "REAL" : "DOUBLE PRECISION";
  const bool = dialect === "sqlite" ? "INTEGER" : "BOOLEAN";
  return [
    `CREATE TABLE IF NOT EXISTS request_log (
      request_id TEXT PRIMARY KEY,
      time_ms BIGINT NOT NULL,
      outcome TEXT NOT NULL,
      status INTEGER NOT NULL,
      endpoint TEXT NOT NULL,
      key_name TEXT NOT NULL,
      team TEXT NOT NULL,
      model TEXT NOT NULL,
      deployment_id TEXT NOT NULL,
      provider TEXT NOT NULL,
      upstream_model TEXT NOT NULL,
      stream ${bool} NOT NULL,
      strategy TEXT NOT NULL,
      cache TEXT NOT NULL,
      prompt_tokens INTEGER NOT NULL,
      completion_tokens INTEGER NOT NULL,
      cost_usd ${real} NOT NULL,
      latency_ms ${real} NOT NULL,
      ttft_ms ${real} NOT NULL,
      attempts INTEGER NOT NULL,
      error_code TEXT NOT NULL,
      event TEXT NOT NULL
    )`,
    // Newest-first pages, overall and per filter the admin API offers.
    "CREATE INDEX IF NOT EXISTS request_log_time ON request_log (time_ms, request_id)",
    "CREATE INDEX IF NOT EXISTS request_log_key ON request_log (key_name, time_ms)",
    "CREATE INDEX IF NOT EXISTS request_log_team ON request_log (team, time_ms)",
    "CREATE INDEX IF NOT EXISTS request_log_model ON request_log (model, time_ms)",
    "CREATE INDEX IF NOT EXISTS request_log_deployment ON request_log (deployment_id, time_ms)",
  ];
}

export const SELECT_COLUMNS =
  "request_id, time_ms, outcome, status, endpoint, key_name, team, model, deployment_id, provider, upstream_model, stream, strategy, cache, prompt_tokens, completion_tokens, cost_usd, latency_ms, ttft_ms, attempts, error_code, event";

/** Deletes what is older than the cut-off, then everything past the newest `maxRows`. */
export const PRUNE_AGE_SQL = (p: string) => `DELETE FROM request_log WHERE time_ms < ${p}`;
export const PRUNE_SIZE_SQL = (p: string) =>
  `DELETE FROM request_log WHERE (time_ms, request_id) <= (SELECT time_ms, request_id FROM request_log ORDER BY time_ms DESC, request_id DESC LIMIT 1 OFFSET ${p})`;
