import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
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

type SqliteRow = Omit<LogRow, "stream"> & { stream: number };

/**
 * The request log in a SQLite file (the default: nothing to install or run). better-sqlite3 is
 * synchronous; a batch is one transaction, which WAL mode makes a single fsync-free append.
 */
export class SqliteLogStore implements LogStore {
  readonly kind = "sqlite";
  private readonly db: Database.Database;
  private readonly insertOne: Database.Statement;
  private readonly insertMany: (rows: readonly LogRow[]) => number;

  constructor(readonly file: string) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    for (const statement of createTableSql("sqlite")) this.db.exec(statement);
    this.insertOne = this.db.prepare(
      `INSERT INTO request_log (${LOG_COLUMNS.join(", ")}) VALUES (${LOG_COLUMNS.map((c) => `@${c}`).join(", ")}) ON CONFLICT (request_id) DO NOTHING`,
    );
    this.insertMany = this.db.transaction((rows: readonly LogRow[]) => {
      let added = 0;
      for (const row of rows) added += this.insertOne.run({ ...row, stream: row.stream ? 1 : 0 }).changes;
      return added;
    });
  }

  async insert(rows: readonly LogRow[]): Promise<number> {
    return rows.length === 0 ? 0 : this.insertMany(rows);
  }

  async query(filter: LogFilter): Promise<LogPage> {
    const where = whereOf(filter, () => "?");
    const rows = this.db
      .prepare(`SELECT ${SELECT_COLUMNS} FROM request_log ${where.sql} ORDER BY time_ms DESC, request_id DESC LIMIT ?`)
      .all(...where.values, filter.limit + 1) as SqliteRow[];
    return pageOf(rows.map(fromSqlite), filter.limit);
  }

  async get(requestId: string): Promise<LogRow | undefined> {
    const row = this.db.prepare(`SELECT ${SELECT_COLUMNS} FROM request_log WHERE request_id = ?`).get(requestId) as SqliteRow | undefined;
    return row && fromSqlite(row);
  }

  async stats(filter: StatsFilter): Promise<StatsRow[]> {
    const query = statsSql(filter, () => "?");
    return (this.db.prepare(query.sql).all(...query.values) as Record<string, unknown>[]).map(statsRowOf);
  }

  async prune(maxAgeMs: number, maxRows: number, nowMs = Date.now()): Promise<number> {
    const aged = this.db.prepare(PRUNE_AGE_SQL("?")).run(nowMs - maxAgeMs).changes;
    const over = this.db.prepare(PRUNE_SIZE_SQL("?")).run(maxRows).changes;
    return aged + over;
  }

  async readiness(): Promise<string[]> {
    try {
      this.db.prepare("SELECT 1").get();
      return [];
    } catch (error) {
      return [`request log database: ${(error as Error).message}`];
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function fromSqlite(row: SqliteRow): LogRow {
  return { ...row, stream: row.stream === 1 };
}
