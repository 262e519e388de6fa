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

  /** The stored answer, or undefined: one GET, since most lookups on the request path miss. */
  async lookup(model: string, key: string): Promise<CacheHit | undefined> {
    if (!this.settings.enabled) return undefined;
    const value = await this.redis.getBuffer(this.keyOf(model, key));
    return value ? decodeEntry(value) : undefined;
  }

  /** Seconds the entry has left (0 when it is gone or never expires). */
  async remainingTtlS(model: string, key: string): Promise<number> {
    return Math.max(0, await this.redis.ttl(this.keyOf(model, key)));
  }

  async store(model: string, key: string, body: Uint8Array, deploymentId: string, ttlS: number): Promise<StoreResult> {
    if (!this.settings.enabled) return "disabled";
    if (body.byteLength > this.settings.maxEntryBytes) return "too_large";
    await this.redis.set(this.keyOf(model, key), encodeEntry(deploymentId, body), "EX", ttlS > 0 ? ttlS : this.settings.defaultTtlS);
    return "stored";
  }
}
