import pg from "pg";
import {
  LOG_COLUMNS,
  type LogFilter,
  type LogPage,
  type LogRow,
  type LogStore,
  pageOf,
  type StatsFilter,
  type StatsRow,
  statsRowOf,
  statsSql,
  whereOf,
} from "./log-row.js";
import { createTableSql, PRUNE_AGE_SQL, PRUNE_SIZE_SQL, SELECT_COLUMNS } from "./schema-sql.js";

type PgRow = Omit<LogRow, "time_ms"> & { time_ms: string | number };

/** The request log in PostgreSQL (`SWITCHYARD_LOG_DB=postgres://…`): one multi-row insert per batch. */
export class PostgresLogStore implements LogStore {
  readonly kind = "postgres";
  private readonly pool: pg.Pool;
  private readonly ready: Promise<void>;

  constructor(url: string) {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle client's error (the server restarting) would otherwise be thrown as an uncaught exception.
    pool.on("error", () => {});
    this.pool = pool;
    this.ready = (async () => {
      for (const statement of createTableSql("postgres")) await pool.query(statement);
    })();
    // Awaited by every call; this only keeps an unreachable database from being an unhandled rejection.
    this.ready.catch(() => {});
  }

  /** Resolves once the table exists; rejects when the database cannot be reached. */
  async open(): Promise<this> {
    await this.ready;
    return this;
  }

  async insert(rows: readonly LogRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    await this.ready;
    const values: unknown[] = [];
    const tuples = rows.map((row) => {
      const start = values.length;
      for (const column of LOG_COLUMNS) values.push(row[column]);
      return `(${LOG_COLUMNS.map((_, i) => `$${start + i + 1}`).join(", ")})`;
    });
    const result = await this.pool.query(
      `INSERT INTO request_log (${LOG_COLUMNS.join(", ")}) VALUES ${tuples.join(", ")} ON CONFLICT (request_id) DO NOTHING`,
      values,
    );
    return result.rowCount ?? 0;
  }

  async query(filter: LogFilter): Promise<LogPage> {
    await this.ready;
    const where = whereOf(filter, (n) => `$${n}`);
    const result = await this.pool.query<PgRow>(
      `SELECT ${SELECT_COLUMNS} FROM request_log ${where.sql} ORDER BY time_ms DESC, request_id DESC LIMIT $${where.values.length + 1}`,
      [...where.values, filter.limit + 1],
    );
    return pageOf(result.rows.map(fromPg), filter.limit);
  }

  async get(requestId: string): Promise<LogRow | undefined> {
    await this.ready;
    const result = await this.pool.query<PgRow>(`SELECT ${SELECT_COLUMNS} FROM request_log WHERE request_id = $1`, [requestId]);
    return result.rows[0] && fromPg(result.rows[0]);
  }

  async stats(filter: StatsFilter): Promise<StatsRow[]> {
    await this.ready;
    const query = statsSql(filter, (n) => `$${n}`);
    const result = await this.pool.query(query.sql, query.values);
    return result.rows.map(statsRowOf);
  }

  async prune(maxAgeMs: number, maxRows: number, nowMs = Date.now()): Promise<number> {
    await this.ready;
    const aged = await this.pool.query(PRUNE_AGE_SQL("$1"), [nowMs - maxAgeMs]);
    const over = await this.pool.query(PRUNE_SIZE_SQL("$1"), [maxRows]);
    return (aged.rowCount ?? 0) + (over.rowCount ?? 0);
  }

  async readiness(): Promise<string[]> {
    try {
      await this.ready;
      await this.pool.query("SELECT 1");
      return [];
    } catch (error) {
      return [`request log database: ${(error as Error).message}`];
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** BIGINT arrives as a string (it may exceed 2^53); epoch milliseconds do not. */
function fromPg(row: PgRow): LogRow {
  return { ...row, time_ms: Number(row.time_ms) };
}
