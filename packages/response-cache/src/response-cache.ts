import { Redis } from "ioredis";
import { decodeEntry, encodeEntry } from "./entry-codec.js";

export interface CacheSettings {
  enabled: boolean;
  defaultTtlS: number;
  maxEntryBytes: number;
  prefix: string;
}

export interface CacheHit {
  body: Uint8Array;
  deploymentId: string;
  ttlRemainingS: number;
}

export type StoreResult = "stored" | "disabled" | "too_large";

/**
 * A Redis client for cache traffic: it fails fast while Redis is away (a lookup that cannot
 * answer within a quarter second is a miss) and sends the commands of one turn together.
 */
export function connectCacheRedis(url: string, onError: (error: Error) => void): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, commandTimeout: 250, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  redis.on("error", onError);
  return redis;
}

/** Exact-match response cache over Redis. A Redis failure is a miss, never an error for the client. */
export class ResponseCache {
  constructor(
    private readonly redis: Redis,
    private readonly settings: CacheSettings,
  ) {}

  private keyOf(model: string, key: string): string {
    return `${this.settings.prefix}cache:exact:${model}:${key}`;
  }

  async lookup(model: string, key: string): Promise<CacheHit | undefined> {
    if (!this.settings.enabled) return undefined;
    const redisKey = this.keyOf(model, key);
    // Sent together (auto-pipelined): one round trip, no transaction needed for a read.
    const [value, ttl] = await Promise.all([this.redis.getBuffer(redisKey), this.redis.ttl(redisKey)]);
    if (!value) return undefined;
    const entry = decodeEntry(value);
    if (!entry) return undefined;
    return { ...entry, ttlRemainingS: Math.max(0, ttl) };
  }

  async store(model: string, key: string, body: Uint8Array, deploymentId: string, ttlS: number): Promise<StoreResult> {
    if (!this.settings.enabled) return "disabled";
    if (body.byteLength > this.settings.maxEntryBytes) return "too_large";
    await this.redis.set(this.keyOf(model, key), encodeEntry(deploymentId, body), "EX", ttlS > 0 ? ttlS : this.settings.defaultTtlS);
    return "stored";
  }
}
