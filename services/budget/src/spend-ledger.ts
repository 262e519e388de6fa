import type { UsageFacts } from "@switchyard/bus";
import { SCOPE_KINDS, scopeIndexKey, spendKeys } from "@switchyard/spend";
import type { Redis } from "ioredis";

// KEYS: one "counted" marker per event, then every spend hash of the batch (each once), then the
// key, team and model name indexes (sets, for reports grouped by them).
// ARGV: marker TTL, event count, then per event: cost, prompt tokens, completion tokens, how many
// hashes it adds to, and their positions among the hashes, then its key, team and model names.
// An event whose marker already exists was counted before (a redelivery) and adds nothing. The
// sums of the new events are added with four commands per hash rather than four per event and
// hash. One script, so a batch is counted whole or not at all, and never twice.
const RECORD_ONCE = `
-- The shortest decimal that reads back as the same double (what JavaScript would print).
local function decimal(x)
  for digits = 15, 16 do
    local text = string.format('%.' .. digits .. 'g', x)
    if tonumber(text) == x then return text end
  end
  return string.format('%.17g', x)
end
local ttl, events = ARGV[1], tonumber(ARGV[2])
local sums, counted, at, names = {}, 0, 3, {}
for i = 1, events do
  local hashes = tonumber(ARGV[at + 3])
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ttl) then
    for n = 1, 3 do
      local name = ARGV[at + 3 + hashes + n]
      if name ~= '' then names[n .. name] = n end
    end
    counted = counted + 1
    local cost, prompt, completion = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
    for j = 1, hashes do
      local hash = tonumber(ARGV[at + 3 + j])
      local sum = sums[hash]
      if not sum then
        sum = { 0, 0, 0, 0 }
        sums[hash] = sum
      end
      sum[1] = sum[1] + cost
      sum[2] = sum[2] + 1
      sum[3] = sum[3] + prompt
      sum[4] = sum[4] + completion
    end
  end
  at = at + 7 + hashes
end
for tagged, n in pairs(names) do redis.call('SADD', KEYS[#KEYS - 3 + n], string.sub(tagged, 2)) end
for hash, sum in pairs(sums) do
  local key = KEYS[events + hash]
  redis.call('HINCRBYFLOAT', key, 'cost_usd', decimal(sum[1]))
  redis.call('HINCRBY', key, 'requests', string.format('%d', sum[2]))
  redis.call('HINCRBY', key, 'prompt_tokens', string.format('%d', sum[3]))
  redis.call('HINCRBY', key, 'completion_tokens', string.format('%d', sum[4]))
end
return counted
`;

/** How long a counted request id is remembered: well past JetStream's redelivery horizon. */
const SEEN_TTL_S = 8 * 24 * 3600;

export type SpendEntry = Pick<
  UsageFacts,
  "requestId" | "eventId" | "timeMs" | "keyName" | "team" | "model" | "costUsd" | "promptTokens" | "completionTokens"
>;

/**
 * Whether an event is spend: only authenticated requests (a caller without a valid key could
 * otherwise make spend hashes for any model name it invents), and among them only those that
 * reached a model or the cache, or cost something.
 */
export function accounted(entry: Pick<UsageFacts, "keyName" | "outcome" | "costUsd">): boolean {
  return entry.keyName !== "" && (entry.outcome === "success" || entry.outcome === "cache_hit" || entry.costUsd > 0);
}

/**
 * Spend per key, team and model per period, in Redis hashes; each request counted once by the id
 * the gateway gave it (a client may send the same x-request-id with every request).
 */
export class SpendLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand("recordSpendOnce", { lua: RECORD_ONCE });
  }

  /** Adds each event's cost and tokens to its spend hashes in one call; returns how many were new (not counted before). */
  async recordAll(entries: readonly SpendEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const markers: string[] = [];
    const hashes = new Map<string, number>();
    const perEvent: (string | number)[] = [];
    for (const entry of entries) {
      markers.push(`${this.prefix}spend:seen:${entry.eventId || entry.requestId}`);
      const keys = spendKeys(entry, this.prefix, entry.timeMs === undefined ? new Date() : new Date(entry.timeMs));
      perEvent.push(entry.costUsd, entry.promptTokens, entry.completionTokens, keys.length);
      for (const key of keys) {
        let position = hashes.get(key);
        if (position === undefined) {
          position = hashes.size + 1;
          hashes.set(key, position);
        }
        perEvent.push(position);
      }
      perEvent.push(entry.keyName, entry.team, entry.model);
    }
    return (this.redis as unknown as RecordCommand).recordSpendOnce(
      markers.length + hashes.size + SCOPE_KINDS.length,
      ...markers,
      ...hashes.keys(),
      ...SCOPE_KINDS.map((kind) => scopeIndexKey(this.prefix, kind)),
      SEEN_TTL_S,
      entries.length,
      ...perEvent,
    );
  }
}

interface RecordCommand {
  recordSpendOnce(numKeys: number, ...args: (string | number)[]): Promise<number>;
}
