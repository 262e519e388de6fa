import type { Redis } from "ioredis";
import { type BucketSpec, type LimitVerdict, LocalBuckets, PARALLEL_LEASE_MS, type ParallelSpec } from "./buckets.js";

// The same arithmetic as LocalBuckets, atomically in Redis: checks every limit of a request and
// takes from all of them or none, in one round trip.
// KEYS: the buckets, then the parallel sets. ARGV: now (ms), request id, bucket count, then per
// bucket capacity, window (ms), cost; then per parallel set its maximum; then the lease (ms).
// Returns {allowed, refused index (0-based, -1), retry ms, then per bucket remaining and reset ms}.
const TAKE = `
local now, id, nb = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local np = #KEYS - nb
local lease = tonumber(ARGV[4 + nb * 3 + np])
local levels, out = {}, {}
local refused, retry = -1, 0
for i = 1, nb do
  local cap, win, cost = tonumber(ARGV[1 + i * 3]), tonumber(ARGV[2 + i * 3]), tonumber(ARGV[3 + i * 3])
  local state = redis.call('HMGET', KEYS[i], 't', 'at')
  local level = cap
  if state[1] then level = math.min(cap, tonumber(state[1]) + (now - tonumber(state[2])) * cap / win) end
  levels[i] = level
  if refused < 0 and level < cost then
    refused, retry = i - 1, (cost - level) * win / cap
  end
end
if refused < 0 then
  for j = 1, np do
    local key = KEYS[nb + j]
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    if redis.call('ZCARD', key) >= tonumber(ARGV[3 + nb * 3 + j]) then
      local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      refused, retry = nb + j - 1, tonumber(first[2]) - now
      break
    end
  end
end
for i = 1, nb do
  local cap, win, cost = tonumber(ARGV[1 + i * 3]), tonumber(ARGV[2 + i * 3]), tonumber(ARGV[3 + i * 3])
  local level = levels[i]
  if refused < 0 then
    level = level - cost
    redis.call('HSET', KEYS[i], 't', tostring(level), 'at', now)
    redis.call('PEXPIRE', KEYS[i], win * 2)
  end
  out[#out + 1] = tostring(level)
  out[#out + 1] = tostring((cap - level) * win / cap)
end
if refused < 0 then
  for j = 1, np do
    redis.call('ZADD', KEYS[nb + j], now + lease, id)
    redis.call('PEXPIRE', KEYS[nb + j], lease)
  end
end
return { refused < 0 and 1 or 0, refused, tostring(retry), unpack(out) }
`;

// KEYS: token buckets, then parallel sets. ARGV: now, id, bucket count, then per bucket capacity,
// window, refund (negative takes more).
const SETTLE = `
local now, id, nb = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
for i = 1, nb do
  local cap, win, refund = tonumber(ARGV[1 + i * 3]), tonumber(ARGV[2 + i * 3]), tonumber(ARGV[3 + i * 3])
  local state = redis.call('HMGET', KEYS[i], 't', 'at')
  if state[1] then
    local level = math.min(cap, tonumber(state[1]) + (now - tonumber(state[2])) * cap / win)
    redis.call('HSET', KEYS[i], 't', tostring(math.min(cap, level + refund)), 'at', now)
    redis.call('PEXPIRE', KEYS[i], win * 2)
  end
end
for j = nb + 1, #KEYS do redis.call('ZREM', KEYS[j], id) end
return 1
`;

export interface LimiterEvents {
  /** Redis failed a call: the request was judged by this replica's own buckets instead. */
  onFallback(error: unknown): void;
}

/**
 * Rate limits shared by every ingress replica: token buckets in Redis, one script per request.
 * While Redis is unreachable each replica enforces its share (limits ÷ `replicas`) on its own;
 * those local takes are never replayed to Redis, so nothing is counted twice when it returns.
 */
export class RateLimiter {
  private readonly local = new LocalBuckets();

  constructor(
    private readonly redis: Redis | undefined,
    private readonly replicas: number,
    private readonly events: LimiterEvents,
  ) {
    redis?.defineCommand("limitTake", { lua: TAKE });
    redis?.defineCommand("limitSettle", { lua: SETTLE });
  }

  async take(buckets: BucketSpec[], parallel: ParallelSpec[], id: string, now = Date.now()): Promise<LimitVerdict & { local: boolean }> {
    if (this.redis && this.redis.status === "ready") {
      try {
        const args = [
          now,
          id,
          buckets.length,
          ...buckets.flatMap((b) => [b.capacity, b.windowMs, b.cost]),
          ...parallel.map((p) => p.max),
          PARALLEL_LEASE_MS,
        ];
        const reply = await (this.redis as unknown as Scripts).limitTake(
          buckets.length + parallel.length,
          ...buckets.map((b) => b.key),
          ...parallel.map((p) => p.key),
          ...args,
        );
        const states = [];
        for (let i = 3; i < reply.length; i += 2) states.push({ remaining: Number(reply[i]), resetMs: Number(reply[i + 1]) });
        return {
          allowed: reply[0] === 1,
          refusedBy: Number(reply[1]),
          retryMs: Math.ceil(Number(reply[2])),
          buckets: states,
          local: false,
        };
      } catch (error) {
        this.events.onFallback(error);
      }
    } else {
      this.events.onFallback(new Error(`redis is ${this.redis?.status ?? "not configured"}`));
    }
    return { ...this.local.take(buckets.map(this.share), parallel.map(this.shareParallel), id, now), local: true };
  }

  /** Settles a request taken earlier: token buckets get back what was reserved beyond the real use. */
  settle(buckets: (BucketSpec & { refund: number })[], parallel: ParallelSpec[], id: string, local: boolean, now = Date.now()): void {
    if (buckets.length === 0 && parallel.length === 0) return;
    if (local || !this.redis) {
      this.local.settle(
        buckets.map((b) => ({ ...this.share(b), refund: b.refund })),
        parallel.map(this.shareParallel),
        id,
        now,
      );
      return;
    }
    const args = [now, id, buckets.length, ...buckets.flatMap((b) => [b.capacity, b.windowMs, b.refund])];
    (this.redis as unknown as Scripts)
      .limitSettle(buckets.length + parallel.length, ...buckets.map((b) => b.key), ...parallel.map((p) => p.key), ...args)
      .catch((error: unknown) => this.events.onFallback(error));
  }

  private readonly share = (b: BucketSpec): BucketSpec => ({ ...b, capacity: Math.max(1, Math.floor(b.capacity / this.replicas)) });
  private readonly shareParallel = (p: ParallelSpec): ParallelSpec => ({ ...p, max: Math.max(1, Math.floor(p.max / this.replicas)) });
}

interface Scripts {
  limitTake(numKeys: number, ...args: (string | number)[]): Promise<(string | number)[]>;
  limitSettle(numKeys: number, ...args: (string | number)[]): Promise<number>;
}
