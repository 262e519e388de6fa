import { isAbsolute, join, resolve } from "node:path";
import type { LogStore } from "./log-row.js";
import { PostgresLogStore } from "./postgres-store.js";
import { SqliteLogStore } from "./sqlite-store.js";

export * from "./log-row.js";
export { PostgresLogStore } from "./postgres-store.js";
export { SqliteLogStore } from "./sqlite-store.js";

/** The store SWITCHYARD_LOG_DB names: `postgres://…`, `sqlite:<file>`, or unset for a SQLite file in the data directory. */
export async function openLogStore(url: string | undefined, dataDir: string): Promise<LogStore> {
  if (url && /^postgres(ql)?:\/\//.test(url)) return new PostgresLogStore(url).open();
  const file = url?.startsWith("sqlite:") ? url.slice("sqlite:".length) : join(dataDir, "request-log.sqlite");
  return new SqliteLogStore(file === ":memory:" || isAbsolute(file) ? file : resolve(file));
}

/** Where a store keeps its data, for the start-up line (a PostgreSQL URL without its password). */
export function describeStore(url: string | undefined, store: LogStore): string {
  if (store instanceof SqliteLogStore) return `sqlite:${store.file}`;
  try {
    const parsed = new URL(url ?? "");
    parsed.password = "";
    return parsed.toString();
  } catch {
    return store.kind;
  }
}
