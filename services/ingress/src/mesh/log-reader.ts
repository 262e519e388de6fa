import { GatewayError } from "@switchyard/errors";

/** What the logger answered: its status and JSON body, passed on to the client as they are. */
export interface LogAnswer {
  status: number;
  body: unknown;
}

/** The request log, read from the logger's ops port; the ingress keeps no state of its own. */
export interface LogReader {
  list(query: URLSearchParams): Promise<LogAnswer>;
  get(requestId: string): Promise<LogAnswer>;
  /** Totals per time bucket and group (`/logs/stats`). */
  stats(query: URLSearchParams): Promise<LogAnswer>;
}

export function createLogReader(baseUrl: string, timeoutMs = 5_000): LogReader {
  const read = async (path: string): Promise<LogAnswer> => {
    try {
      const response = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, body: await response.json() };
    } catch (error) {
      throw new GatewayError("service_unavailable", "The request log is unavailable; try again shortly.", { retryAfterS: 1, cause: error });
    }
  };
  return {
    list: (query) => read(`/logs?${query}`),
    get: (requestId) => read(`/logs/${encodeURIComponent(requestId)}`),
    stats: (query) => read(`/logs/stats?${query}`),
  };
}
