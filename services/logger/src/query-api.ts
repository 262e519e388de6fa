import type { IncomingMessage, ServerResponse } from "node:http";
import { GROUP_COLUMNS, type GroupBy, type LogFilter, type LogRow, type LogStore, type StatsFilter } from "./store/index.js";

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** A bad query parameter, reported as an OpenAI-shaped 400 by whoever shows it to a client. */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

const TEXT_PARAMS = ["key", "team", "model", "deployment", "outcome", "cursor"] as const;

/** `from` and `to` take epoch milliseconds or an ISO 8601 time. */
function timeParam(name: string, value: string): number {
  const ms = /^[0-9]{1,15}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new QueryError(`Invalid value for '${name}': give epoch milliseconds or an ISO 8601 time.`, name);
  return ms;
}

/** The filter a query string asks for; unknown parameters are refused so a typo does not return everything. */
export function filterOf(params: URLSearchParams): LogFilter {
  const filter: LogFilter = { limit: DEFAULT_PAGE };
  for (const [name, value] of params) {
    if ((TEXT_PARAMS as readonly string[]).includes(name)) {
      if (value.length > 256) throw new QueryError(`Invalid value for '${name}': longer than 256 characters.`, name);
      if (value !== "") filter[name as (typeof TEXT_PARAMS)[number]] = value;
    } else if (name === "from" || name === "to") {
      filter[name] = timeParam(name, value);
    } else if (name === "limit") {
      const limit = Number(value);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
        throw new QueryError(`Invalid value for 'limit': an integer from 1 to ${MAX_PAGE}.`, "limit");
      filter.limit = limit;
    } else {
      throw new QueryError(`Unknown query parameter '${name}'.`, name);
    }
  }
  return filter;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Most buckets one stats answer may have. */
export const MAX_BUCKETS = 1_000;

/**
 * The totals a stats query string asks for: the list's filters, `from`/`to` (default: the last
 * day), `bucket` in seconds (default: about a hundred buckets over the range) and `group_by`.
 */
export function statsFilterOf(params: URLSearchParams, nowMs = Date.now()): StatsFilter {
  const rest = new URLSearchParams();
  let bucketS: number | undefined;
  let groupBy: GroupBy | undefined;
  for (const [name, value] of params) {
    if (name === "bucket") {
      bucketS = Number(value);
      if (!Number.isInteger(bucketS) || bucketS < 1)
        throw new QueryError("Invalid value for 'bucket': a whole number of seconds.", "bucket");
    } else if (name === "group_by") {
      if (!(value in GROUP_COLUMNS))
        throw new QueryError(`Invalid value for 'group_by': one of ${Object.keys(GROUP_COLUMNS).join(", ")}.`, "group_by");
      groupBy = value as GroupBy;
    } else if (name === "cursor" || name === "limit") {
      throw new QueryError(`Unknown query parameter '${name}'.`, name);
    } else rest.append(name, value);
  }
  const { cursor: _cursor, limit: _limit, ...filter } = filterOf(rest);
  const to = filter.to ?? nowMs;
  const from = filter.from ?? to - DAY_MS;
  if (from >= to) throw new QueryError("Invalid value for 'from': it must be before 'to'.", "from");
  const bucketMs = bucketS !== undefined ? bucketS * 1000 : Math.max(60_000, Math.ceil((to - from) / 100 / 60_000) * 60_000);
  if ((to - from) / bucketMs > MAX_BUCKETS)
    throw new QueryError(`Invalid value for 'bucket': at most ${MAX_BUCKETS} buckets per answer.`, "bucket");
  return { ...filter, from, to, bucketMs, ...(groupBy ? { groupBy } : {}) };
}

/** A row as the API shows it: ISO time, and the usage event only on the single-request view. */
export function entryOf(row: LogRow, withEvent: boolean): Record<string, unknown> {
  const { event, time_ms, ...fields } = row;
  return {
    ...fields,
    time: new Date(time_ms).toISOString(),
    total_tokens: row.prompt_tokens + row.completion_tokens,
    ...(withEvent ? { usage_event: JSON.parse(event) as unknown } : {}),
  };
}

/**
 * The request log over HTTP on the logger's ops port, for the ingress to proxy (`GET /logs`,
 * `GET /logs/<request id>`); returns false for other paths. Access control is the ingress's job.
 */
export function logQueryRoute(store: LogStore) {
  return (_request: IncomingMessage, response: ServerResponse, url: URL): boolean => {
    if (url.pathname !== "/logs" && !url.pathname.startsWith("/logs/")) return false;
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      response.end(JSON.stringify(body));
    };
    const fail = (error: unknown) => {
      if (error instanceof QueryError) {
        send(400, { error: { message: error.message, type: "invalid_request_error", param: error.param, code: "invalid_request" } });
      } else {
        send(503, {
          error: {
            message: "The request log is unavailable; try again shortly.",
            type: "api_error",
            param: null,
            code: "service_unavailable",
          },
        });
      }
    };
    if (url.pathname === "/logs/stats") {
      Promise.resolve()
        .then(() => {
          const filter = statsFilterOf(url.searchParams);
          return store.stats(filter).then((rows) => ({ filter, rows }));
        })
        .then(
          ({ filter, rows }) =>
            send(200, {
              object: "stats",
              from: new Date(filter.from).toISOString(),
              to: new Date(filter.to).toISOString(),
              bucket_s: filter.bucketMs / 1000,
              group_by: filter.groupBy ?? null,
              data: rows.map(({ bucket, ...totals }) => ({ time: new Date(bucket).toISOString(), ...totals })),
            }),
          fail,
        );
      return true;
    }
    if (url.pathname === "/logs") {
      Promise.resolve()
        .then(() => store.query(filterOf(url.searchParams)))
        .then(
          (page) =>
            send(200, {
              object: "list",
              data: page.rows.map((row) => entryOf(row, false)),
              has_more: page.nextCursor !== undefined,
              next_cursor: page.nextCursor ?? null,
            }),
          fail,
        );
      return true;
    }
    let id: string;
    try {
      id = decodeURIComponent(url.pathname.slice("/logs/".length));
    } catch {
      fail(new QueryError("The request id is not valid percent-encoding.", "request_id"));
      return true;
    }
    store.get(id).then(
      (row) =>
        row
          ? send(200, entryOf(row, true))
          : send(404, {
              error: { message: `No request with id '${id}' in the log.`, type: "invalid_request_error", param: null, code: "not_found" },
            }),
      fail,
    );
    return true;
  };
}
