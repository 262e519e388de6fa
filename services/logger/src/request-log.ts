import { toJsonString } from "@bufbuild/protobuf";
import { type UsageEvent, UsageEventSchema } from "@switchyard/proto";
import type { Redis } from "ioredis";

// KEYS: [seen marker, per-request document, log stream]. Idempotent per request id: a redelivered
// event is not logged twice.
const APPEND_ONCE = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'request_id', ARGV[4], 'outcome', ARGV[5], 'event', ARGV[2])
return 1
`;

export interface RequestLogSettings {
  prefix: string;
  retentionS: number;
  maxEntries: number;
}

/** The queryable request log: a capped Redis stream in arrival order plus one document per request id. */
export class RequestLog {
  constructor(
    private readonly redis: Redis,
    private readonly settings: RequestLogSettings,
  ) {
    redis.defineCommand("appendRequestOnce", { lua: APPEND_ONCE });
  }

  static keys(prefix: string) {
    return {
      stream: `${prefix}log:requests`,
      request: (id: string) => `${prefix}log:request:${id}`,
      seen: (id: string) => `${prefix}log:seen:${id}`,
    };
  }

  async append(event: UsageEvent): Promise<boolean> {
    const keys = RequestLog.keys(this.settings.prefix);
    const result = await (this.redis as unknown as AppendCommand).appendRequestOnce(
      3,
      keys.seen(event.requestId),
      keys.request(event.requestId),
      keys.stream,
      this.settings.retentionS,
      toJsonString(UsageEventSchema, event),
      this.settings.maxEntries,
      event.requestId,
      event.outcome,
    );
    return result === 1;
  }
}

interface AppendCommand {
  appendRequestOnce(numKeys: number, ...args: (string | number)[]): Promise<number>;
}
