import type { IncomingMessage, ServerResponse } from "node:http";
import type { LogFilter, LogRow, LogStore } from "./store/index.js";

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
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new QueryError(`Invalid value for 'limit': an integer from 1 to ${MAX_PAGE}.`, "limit");
      filter.limit = limit;
    } else {
      throw new QueryError(`Unknown query parameter '${name}'.`, name);
    }
  }
  return filter;
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
        send(503, { error: { message: "The request log is unavailable; try again shortly.", type: "api_error", param: null, code: "service_unavailable" } });
      }
    };
    if (url.pathname === "/logs") {
      Promise.resolve()
        .then(() => store.query(filterOf(url.searchParams)))
        .then((page) => send(200, { object: "list", data: page.rows.map((row) => entryOf(row, false)), has_more: page.nextCursor !== undefined, next_cursor: page.nextCursor ?? null }), fail);
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
          : send(404, { error: { message: `No request with id '${id}' in the log.`, type: "invalid_request_error", param: null, code: "not_found" } }),
      fail,
    );
    return true;
  };
}
