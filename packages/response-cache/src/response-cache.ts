import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { decodeEntry, encodeEntry } from "./entry-codec.js";
import { encodeStoredKeys, exactKeysPattern, type PresenceIndex, storedChannel } from "./presence-index.js";

export interface CacheSettings {
  enabled: boolean;
  /** Lifetime of an entry stored without one of its own. */
  defaultTtlMs: number;
  maxEntryBytes: number;
  prefix: string;
  /** Most keys a PresenceIndex follows; 0: none (every lookup reads Redis). */
  indexMaxEntries: number;
}

/** The settings from the config file's `cache` section and the Redis key prefix. */
export function cacheSettingsFrom(
  cache: { enabled: boolean; ttl_s: number; max_entry_bytes: number; index_max_entries: number },
  prefix: string,
): CacheSettings {
  return {
    enabled: cache.enabled,
    defaultTtlMs: Math.round(cache.ttl_s * 1000),
    maxEntryBytes: cache.max_entry_bytes,
    prefix,
    indexMaxEntries: cache.index_max_entries,
  };
}

/**
 * The part of a Redis key that names one model (or namespace): percent-encoded, so a `:` in a
 * name can never make two scopes' keys meet, and a glob can select one scope.
 */
export const keyPart = (name: string): string => encodeURIComponent(name);

/** Where a namespace's entry for `digest` lives within a model: the `key` the cache takes. */
export const scopedKey = (namespace: string, digest: string): string => `${keyPart(namespace)}:${digest}`;

export interface CacheHit {
  body: Uint8Array;
  deploymentId: string;
}

export type StoreResult = "stored" | "disabled" | "too_large";

interface PendingStore {
  value: Buffer;
  ttlMs: number;
  /** A flight lease to release once the entry is written (if this process still holds it). */
  lease?: string;
  /** Overwrite an entry already in Redis (a refresh); otherwise the first answer stored wins. */
  replace: boolean;
}

// KEYS: the entries. ARGV: value, TTL in ms, "1" to replace (else the first answer stored wins)
// and a flight lease to release ("" for none) for each entry, then the lease owner, the channel
// and the announcement of the keys. One command for a whole batch: a pipeline of SETs costs the
// client a command object, a promise and a reply per entry. The lease goes only after its entry
// is written, so a follower that sees it gone finds the answer.
const STORE_ALL = `
for i = 1, #KEYS do
  local at = i * 4 - 3
  if ARGV[at + 2] == '1' then
    redis.call('SET', KEYS[i], ARGV[at], 'PX', ARGV[at + 1])
  else
    redis.call('SET', KEYS[i], ARGV[at], 'PX', ARGV[at + 1], 'NX')
  end
  local lease = ARGV[at + 3]
  if lease ~= '' and redis.call('GET', lease) == ARGV[#ARGV - 2] then
    redis.call('DEL', lease)
  end
end
redis.call('PUBLISH', ARGV[#ARGV - 1], ARGV[#ARGV])
return #KEYS
`;

interface StoreAllCommand {
  switchyardStoreAll(numKeys: number, ...args: (string | Buffer | number)[]): Promise<number>;
}

/** How long an answer may wait for others before the batch goes to Redis, and how many make a batch. */
const STORE_LINGER_MS = 20;
const STORE_BATCH = 256;

/**
 * A Redis client for cache traffic: it fails fast while Redis is away (a lookup that cannot
 * answer within a quarter second is a miss). No auto-pipelining: it builds a pipeline object
 * for every turn, which costs a lone lookup more than it saves, and stores are batched anyway.
 */
export function connectCacheRedis(url: string, onError: (error: Error) => void): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, commandTimeout: 250, maxRetriesPerRequest: 1 });
  redis.on("error", onError);
  return redis;
}

/**
 * Exact-match response cache over Redis. A Redis failure is a miss, never an error for the client.
 * Every write also announces its keys on `storedChannel`, which a `PresenceIndex` follows.
 */
export class ResponseCache {
  /** This process's mark on the flight leases it holds (see `Flights`). */
  readonly owner = randomUUID();
  /** Answers waiting for the next batch, by Redis key; lookups see them too. */
  private pending = new Map<string, PendingStore>();
  private flushTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly settings: CacheSettings,
    /** Where failures of `storeSoon` go (nobody awaits them). */
    private readonly onStoreError: (error: unknown) => void = () => {},
    /** When given, lookups for keys it knows are absent answer "miss" without Redis. */
    private readonly presence?: PresenceIndex,
  ) {
    this.channel = storedChannel(settings.prefix);
    if (!(redis as unknown as Partial<StoreAllCommand>).switchyardStoreAll) redis.defineCommand("switchyardStoreAll", { lua: STORE_ALL });
  }

  /** The Redis key of an entry: `key` is usually a `scopedKey`. */
  keyOf(model: string, key: string): string {
    return `${this.settings.prefix}cache:exact:${keyPart(model)}:${key}`;
  }

  /** The Redis connection entries live on (flights take their leases there too). */
  get connection(): Redis {
    return this.redis;
  }

  /** The stored answer, or undefined: one GET at most, none when the presence index knows the key is absent. */
  async lookup(model: string, key: string): Promise<CacheHit | undefined> {
    if (!this.settings.enabled) return undefined;
    const redisKey = this.keyOf(model, key);
    const waiting = this.pending.get(redisKey);
    if (waiting) return decodeEntry(waiting.value);
    if (this.presence && !this.presence.mayContain(redisKey)) return undefined;
    const value = await this.redis.getBuffer(redisKey);
    return value ? decodeEntry(value) : undefined;
  }

  /** Milliseconds the entry has left (0 when it is gone or never expires). */
  async remainingTtlMs(model: string, key: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.keyOf(model, key)));
  }

  /**
   * Deletes the entries of one model and namespace; either left out means all of them. Resolves
   * with how many went. SCAN walks the keys in steps, so Redis never stalls on a large cache.
   */
  async purge(model?: string, namespace?: string): Promise<number> {
    const glob = (part: string | undefined) => (part === undefined ? "*" : keyPart(part).replace(/[*?[\]\\]/g, "\\$&"));
    const pattern = `${exactKeysPattern(this.settings.prefix).slice(0, -1)}${glob(model)}:${glob(namespace)}:*`;
    const base = `${this.settings.prefix}cache:exact:`;
    for (const redisKey of this.pending.keys()) {
      const [m, ns] = redisKey.slice(base.length).split(":");
      if ((model === undefined || m === keyPart(model)) && (namespace === undefined || ns === keyPart(namespace)))
        this.pending.delete(redisKey);
    }
    let deleted = 0;
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", 1_000);
      if (keys.length > 0) deleted += await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
    return deleted;
  }

  /** The Redis value and TTL for an answer, or why it is not stored. */
  private entryOf(
    body: Uint8Array,
    deploymentId: string,
    ttlMs: number,
  ): { value: Buffer; ttlMs: number } | Exclude<StoreResult, "stored"> {
    if (!this.settings.enabled) return "disabled";
    if (body.byteLength > this.settings.maxEntryBytes) return "too_large";
    return { value: encodeEntry(deploymentId, body), ttlMs: ttlMs > 0 ? Math.ceil(ttlMs) : this.settings.defaultTtlMs };
  }

  async store(model: string, key: string, body: Uint8Array, deploymentId: string, ttlMs: number): Promise<StoreResult> {
    const entry = this.entryOf(body, deploymentId, ttlMs);
    if (typeof entry === "string") return entry;
    const failure = await this.write([[this.keyOf(model, key), { ...entry, replace: true }]]);
    if (failure) throw failure;
    return "stored";
  }

  /**
   * Stores an answer in the background, together with the others of the next few milliseconds:
   * one Redis write for many answers instead of waking Redis once per request. Until the batch is
   * written, `lookup` answers from it, so a repeated request does not go upstream again.
   */
  storeSoon(
    model: string,
    key: string,
    body: Uint8Array,
    deploymentId: string,
    ttlMs: number,
    options: { replace?: boolean /** A flight lease to release once written. */; lease?: string } = {},
  ): StoreResult {
    const entry = this.entryOf(body, deploymentId, ttlMs);
    if (typeof entry === "string") return entry;
    const redisKey = this.keyOf(model, key);
    const replace = options.replace === true;
    const known = this.pending.get(redisKey);
    if (known && !replace) {
      known.lease ??= options.lease;
      return "stored";
    }
    this.pending.set(redisKey, { ...entry, replace, ...(options.lease ? { lease: options.lease } : {}) });
    if (this.pending.size >= STORE_BATCH) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), STORE_LINGER_MS);
    return "stored";
  }

  /** Writes what `storeSoon` holds; resolves when Redis has answered (or failed). */
  flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size > 0) {
      this.writing = this.write(batch).then((failure) => {
        if (failure) this.onStoreError(failure);
      });
    }
    return this.writing;
  }

  /**
   * Writes entries and announces their keys in one command. Resolves with the failure (the
   * script's or the connection's), or undefined when all went through.
   */
  private async write(entries: Iterable<[string, PendingStore]>): Promise<unknown> {
    const keys: string[] = [];
    const args: (Buffer | number | string)[] = [];
    const announced: [string, number][] = [];
    for (const [redisKey, entry] of entries) {
      keys.push(redisKey);
      args.push(entry.value, entry.ttlMs, entry.replace ? "1" : "0", entry.lease ?? "");
      // Known here at once: a repeat of this request must not look absent before the announcement returns.
      this.presence?.add(redisKey, entry.ttlMs);
      announced.push([redisKey, entry.ttlMs]);
    }
    args.push(this.owner, this.channel, encodeStoredKeys(announced, this.presence?.origin));
    try {
      await (this.redis as unknown as StoreAllCommand).switchyardStoreAll(keys.length, ...keys, ...args);
      return undefined;
    } catch (error) {
      return error;
    }
  }
}
