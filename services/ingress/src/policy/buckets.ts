/**
 * The rate-limit arithmetic, shared by the Redis script (limiter.ts, in Lua) and the per-replica
 * fallback: a token bucket per limit holds up to `capacity` and refills `capacity` per `windowMs`,
 * so a burst gets exactly the limit and the rest waits for the refill.
 */
export interface BucketSpec {
  /** The bucket's name (a Redis key for the shared limiter). */
  key: string;
  capacity: number;
  windowMs: number;
  /** What this request takes: 1 for a request limit, the reserved tokens for a token limit. */
  cost: number;
}

export interface ParallelSpec {
  key: string;
  max: number;
}

export interface BucketState {
  /** What the bucket holds after this request (may be negative after settling a token overrun). */
  remaining: number;
  /** Milliseconds until it is full again. */
  resetMs: number;
}

export interface LimitVerdict {
  allowed: boolean;
  /** Index of the first limit that refused: a bucket's, or `buckets.length + i` for parallel limit i. */
  refusedBy: number;
  /** Milliseconds until the refusing limit would let this request through. */
  retryMs: number;
  buckets: BucketState[];
}

/** How long a request may hold a parallel slot if its settle never comes (a crashed ingress). */
export const PARALLEL_LEASE_MS = 10 * 60_000;

/** The per-replica limiter used while Redis is unreachable: the same buckets in a Map. */
export class LocalBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly parallel = new Map<string, Map<string, number>>();

  constructor(private readonly maxEntries = 100_000) {}

  take(buckets: readonly BucketSpec[], parallel: readonly ParallelSpec[], id: string, now = Date.now()): LimitVerdict {
    const levels = buckets.map((b) => this.level(b, now));
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i]!;
      if (levels[i]! < b.cost) return refused(i, ((b.cost - levels[i]!) * b.windowMs) / b.capacity, buckets, levels);
    }
    for (let i = 0; i < parallel.length; i++) {
      const holders = this.holders(parallel[i]!.key, now);
      if (holders.size >= parallel[i]!.max) return refused(buckets.length + i, Math.min(...holders.values()) - now, buckets, levels);
    }
    const states = buckets.map((b, i) => {
      const tokens = levels[i]! - b.cost;
      this.store(b.key, tokens, now);
      return { remaining: tokens, resetMs: ((b.capacity - tokens) * b.windowMs) / b.capacity };
    });
    for (const p of parallel) this.holders(p.key, now).set(id, now + PARALLEL_LEASE_MS);
    return { allowed: true, refusedBy: -1, retryMs: 0, buckets: states };
  }

  /** Gives back `refund` (negative: takes more) to each bucket, and frees the parallel slots of `id`. */
  settle(buckets: readonly (BucketSpec & { refund: number })[], parallel: readonly ParallelSpec[], id: string, now = Date.now()): void {
    for (const b of buckets) this.store(b.key, Math.min(b.capacity, this.level(b, now) + b.refund), now);
    for (const p of parallel) this.parallel.get(p.key)?.delete(id);
  }

  private level(b: BucketSpec, now: number): number {
    const state = this.buckets.get(b.key);
    if (!state) return b.capacity;
    return Math.min(b.capacity, state.tokens + ((now - state.at) * b.capacity) / b.windowMs);
  }

  private store(key: string, tokens: number, now: number): void {
    if (this.buckets.size >= this.maxEntries && !this.buckets.has(key)) this.buckets.delete(this.buckets.keys().next().value as string);
    this.buckets.set(key, { tokens, at: now });
  }

  private holders(key: string, now: number): Map<string, number> {
    let holders = this.parallel.get(key);
    if (!holders) {
      holders = new Map();
      this.parallel.set(key, holders);
    }
    for (const [id, until] of holders) if (until <= now) holders.delete(id);
    return holders;
  }
}

function refused(index: number, retryMs: number, buckets: readonly BucketSpec[], levels: number[]): LimitVerdict {
  return {
    allowed: false,
    refusedBy: index,
    retryMs: Math.max(0, Math.ceil(retryMs)),
    buckets: buckets.map((b, i) => ({ remaining: levels[i]!, resetMs: ((b.capacity - levels[i]!) * b.windowMs) / b.capacity })),
  };
}
