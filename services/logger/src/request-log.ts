import type { DecodedUsageEvent } from "@switchyard/bus";
import type { Redis } from "ioredis";

// KEYS: one per-request document key per event, then the log stream.
// ARGV: retention (s), stream length cap, then per event: request id, outcome, event JSON.
// The document doubles as the "already logged" marker: an event whose document exists was logged
// before (a redelivery) and is skipped, so each request id is logged once. Returns how many were new.
const APPEND_ONCE = `
local stream, retention, cap = KEYS[#KEYS], ARGV[1], ARGV[2]
local logged = 0
for i = 1, #KEYS - 1 do
  local at = 3 * i
  if redis.call('SET', KEYS[i], ARGV[at + 2], 'NX', 'EX', retention) then
    redis.call('XADD', stream, 'MAXLEN', '~', cap, '*', 'request_id', ARGV[at], 'outcome', ARGV[at + 1], 'event', ARGV[at + 2])
    logged = logged + 1
  end
end
return logged
`;

export interface RequestLogSettings {
  prefix: string;
  retentionS: number;
  maxEntries: number;
}

export type LoggedEvent = Pick<DecodedUsageEvent, "requestId" | "outcome" | "json">;

/** The queryable request log: a capped Redis stream in arrival order plus one document per request id. */
export class RequestLog {
  constructor(
    private readonly redis: Redis,
    private readonly settings: RequestLogSettings,
  ) {
    redis.defineCommand("appendRequestsOnce", { lua: APPEND_ONCE });
  }

  static keys(prefix: string) {
    return {
      stream: `${prefix}log:requests`,
      request: (id: string) => `${prefix}log:request:${id}`,
    };
  }

  /** Logs the events not logged before, in one call; returns how many were new. */
  async appendAll(events: readonly LoggedEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const keys = RequestLog.keys(this.settings.prefix);
    const args: (string | number)[] = [events.length + 1];
    for (const event of events) args.push(keys.request(event.requestId));
    args.push(keys.stream, this.settings.retentionS, this.settings.maxEntries);
    for (const event of events) args.push(event.requestId, event.outcome, event.json);
    return (this.redis as unknown as AppendCommand).appendRequestsOnce(...args);
  }
}

interface AppendCommand {
  appendRequestsOnce(...args: (string | number)[]): Promise<number>;
}
