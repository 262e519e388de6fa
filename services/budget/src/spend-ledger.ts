import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { UsageEvent } from "@switchyard/proto";
import type { Redis } from "ioredis";
import { spendKeys } from "./spend-keys.js";

// KEYS[1] marks the request as counted; the rest are spend hashes. Atomic, so a redelivered event
// is counted once and a crash between the mark and the sums cannot happen.
const RECORD_ONCE = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
for i = 2, #KEYS do
  redis.call('HINCRBYFLOAT', KEYS[i], 'cost_usd', ARGV[2])
  redis.call('HINCRBY', KEYS[i], 'requests', 1)
  redis.call('HINCRBY', KEYS[i], 'prompt_tokens', ARGV[3])
  redis.call('HINCRBY', KEYS[i], 'completion_tokens', ARGV[4])
end
return 1
`;

/** How long a counted request id is remembered: well past JetStream's redelivery horizon. */
const SEEN_TTL_S = 8 * 24 * 3600;

export class SpendLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand("recordSpendOnce", { lua: RECORD_ONCE });
  }

  /** Adds the event's cost and tokens to every spend hash; returns false when it was already counted. */
  async record(event: UsageEvent): Promise<boolean> {
    const time = event.time ? timestampDate(event.time) : new Date();
    const keys = [`${this.prefix}spend:seen:${event.requestId}`, ...spendKeys(event, this.prefix, time)];
    const result = await (this.redis as unknown as RecordCommand).recordSpendOnce(
      keys.length,
      ...keys,
      SEEN_TTL_S,
      event.costUsd,
      event.usage?.promptTokens ?? 0,
      event.usage?.completionTokens ?? 0,
    );
    return result === 1;
  }
}

interface RecordCommand {
  recordSpendOnce(numKeys: number, ...args: (string | number)[]): Promise<number>;
}
