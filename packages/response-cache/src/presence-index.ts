import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

/** Where every store announces the keys it wrote, so each ingress knows which keys exist. */
export const storedChannel = (prefix: string) => `${prefix}cache:stored`;

/** The glob that matches every exact-match cache key under `prefix`. */
export const exactKeysPattern = (prefix: string) => `${prefix.replace(/[*?[\]\\]/g, "\\$&")}cache:exact:*`;

/**
 * One announcement: the sender's origin and a newline (when it has an index of its own), then
 * `[[redisKey, ttlMs], …]`; a TTL of 0 means the entry does not expire.
 */
export function encodeStoredKeys(keys: Iterable<readonly [string, number]>, origin = ""): string {
  const json = JSON.stringify([...keys]);
  return origin ? `${origin}\n${json}` : json;
}

export type PresenceEvent =
  | { kind: "synced"; entries: number; ms: number }
  | { kind: "lost" }
  | { kind: "scan_failed"; error: unknown }
  | { kind: "overflow"; maxEntries: number };

export interface PresenceIndexOptions {
  /** The cache's Redis key prefix (`SWITCHYARD_REDIS_PREFIX`). */
  prefix: string;
  /** Beyond this many entries the index gives up and every lookup reads Redis again. */
  maxEntries: number;
  onEvent?: (event: PresenceEvent) => void;
}

/**
 * Expiries are milliseconds counted from a base that moves forward now and then, so they stay
 * small integers (V8 Smis): whole seconds would end a one-second TTL early.
 */
const NEVER = 2 ** 31 - 1;
/** When "now" passes this, the base moves up to now (each entry rewritten once). */
const REBASE_AFTER_MS = 2 ** 30;
const SCAN_COUNT = 1_000;
const RETRY_MS = 1_000;
const SWEEP_EVERY_MS = 250;
const SWEEP_CHUNK = 5_000;

/**
 * Which exact-match cache keys exist in Redis, so a lookup for an answer nobody stored costs no
 * round trip. It is built by scanning the keys once subscribed to the stores' announcements
 * (`storedChannel`), then kept current by them. It only ever errs towards "may exist": keys are
 * kept by a 32-bit fingerprint (a collision means one extra GET), an entry deleted or evicted in
 * Redis before its TTL also costs a GET that misses, and until the first scan ends, and again
 * whenever the subscription breaks until the next scan ends, every key "may exist".
 *
 * A key stored by another replica a moment ago can still look absent here until its announcement
 * arrives: that request goes upstream, as it would have if it had come a moment earlier.
 */
export class PresenceIndex {
  /** Marks this process's announcements: it added those keys when it wrote them, and skips them when they come back. */
  readonly origin = randomUUID();
  private entries = new Map<number, number>();
  /** The next generation of entries while a scan runs; announcements go to both. */
  private building: Map<number, number> | undefined;
  private synced = false;
  private disabled = false;
  private generation = 0;
  private closed = false;
  private baseMs = Date.now();
  private sweepCursor: Iterator<[number, number]> | undefined;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly channel: string;

  constructor(
    /** The cache's command connection: SCAN and PTTL go here. */
    private readonly redis: Redis,
    /** A connection of its own, since a subscribed connection runs no other commands. */
    private readonly subscriber: Redis,
    private readonly options: PresenceIndexOptions,
  ) {
    this.channel = storedChannel(options.prefix);
    subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.channel) this.announced(message);
    });
    subscriber.on("ready", () => void this.resync());
    for (const lost of ["close", "reconnecting", "end"]) subscriber.on(lost, () => this.lose());
    if (subscriber.status === "ready") void this.resync();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  /** False only when the key is surely not in Redis. */
  mayContain(redisKey: string): boolean {
    if (!this.synced) return true;
    const expires = this.entries.get(fingerprintOf(redisKey));
    return expires !== undefined && expires > this.nowMs();
  }

  /** Records a key this process is writing (its own announcement comes back later). */
  add(redisKey: string, ttlMs: number): void {
    if (this.disabled) return;
    const fingerprint = fingerprintOf(redisKey);
    const expires = ttlMs > 0 ? this.nowMs() + Math.ceil(ttlMs) : NEVER;
    keepLater(this.entries, fingerprint, expires);
    if (this.building) keepLater(this.building, fingerprint, expires);
    if (this.entries.size > this.options.maxEntries) this.overflow();
  }

  /** True while lookups may skip Redis. */
  get isSynced(): boolean {
    return this.synced;
  }

  /** Keys followed now, expired ones the sweep has not reached yet included (0 while the index is off). */
  get size(): number {
    return this.entries.size;
  }

  close(): void {
    this.closed = true;
    this.stopTrusting(); // quietly: shutting down is not a lost subscription
    clearInterval(this.sweepTimer);
    this.subscriber.disconnect();
  }

  private nowMs(): number {
    return Date.now() - this.baseMs;
  }

  /** Moves the base to now, about every twelve days, before expiries outgrow a Smi. */
  private rebase(): void {
    const shift = this.nowMs();
    this.baseMs += shift;
    for (const entries of [this.entries, this.building]) {
      if (!entries) continue;
      for (const [fingerprint, expires] of entries) {
        if (expires === NEVER) continue;
        if (expires <= shift) entries.delete(fingerprint);
        else entries.set(fingerprint, expires - shift);
      }
    }
    this.sweepCursor = undefined;
  }

  private announced(message: string): void {
    const newline = message.indexOf("\n");
    if (newline >= 0) {
      if (newline === this.origin.length && message.startsWith(this.origin)) return;
      message = message.slice(newline + 1);
    }
    let keys: unknown;
    try {
      keys = JSON.parse(message);
    } catch {
      return;
    }
    if (!Array.isArray(keys)) return;
    for (const entry of keys) {
      if (Array.isArray(entry) && typeof entry[0] === "string" && typeof entry[1] === "number") this.add(entry[0], entry[1]);
    }
  }

  private lose(): void {
    if (this.synced) this.options.onEvent?.({ kind: "lost" });
    this.stopTrusting();
  }

  /** Every key "may exist" from now on, and a scan under way is abandoned. */
  private stopTrusting(): void {
    this.synced = false;
    this.building = undefined;
    this.generation++;
  }

  /** Subscribes (again), then scans every key; announcements that arrive meanwhile count too. */
  private async resync(): Promise<void> {
    if (this.disabled || this.closed) return;
    const generation = ++this.generation;
    const started = performance.now();
    const next = new Map<number, number>();
    this.building = next;
    try {
      // Subscribed before the scan starts, so no key stored during the scan is missed by both.
      await this.subscriber.subscribe(this.channel);
      const pattern = exactKeysPattern(this.options.prefix);
      let cursor = "0";
      do {
        const [nextCursor, keys] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT);
        if (generation !== this.generation) return;
        if (keys.length > 0) {
          const pipeline = this.redis.pipeline();
          for (const key of keys) pipeline.pttl(key);
          const ttls = (await pipeline.exec()) ?? [];
          if (generation !== this.generation) return;
          const now = this.nowMs();
          keys.forEach((key, i) => {
            const [error, ms] = ttls[i] ?? [];
            if (error || typeof ms !== "number" || ms === -2) return; // gone meanwhile
            keepLater(next, fingerprintOf(key), ms === -1 ? NEVER : now + ms);
          });
          if (next.size > this.options.maxEntries) return this.overflow();
        }
        cursor = nextCursor;
      } while (cursor !== "0");
    } catch (error) {
      if (generation !== this.generation || this.closed) return;
      this.building = undefined;
      this.options.onEvent?.({ kind: "scan_failed", error });
      setTimeout(() => {
        if (generation === this.generation && this.subscriber.status === "ready") void this.resync();
      }, RETRY_MS).unref();
      return;
    }
    this.entries = next;
    this.building = undefined;
    this.sweepCursor = undefined;
    this.synced = true;
    this.options.onEvent?.({ kind: "synced", entries: next.size, ms: Math.round(performance.now() - started) });
  }

  private overflow(): void {
    this.disabled = true;
    this.stopTrusting();
    this.entries = new Map();
    this.options.onEvent?.({ kind: "overflow", maxEntries: this.options.maxEntries });
  }

  /** Drops expired entries a chunk at a time, so a large index never stalls a request. */
  private sweep(): void {
    if (this.nowMs() > REBASE_AFTER_MS) this.rebase();
    if (this.entries.size === 0) return;
    this.sweepCursor ??= this.entries.entries();
    const now = this.nowMs();
    for (let i = 0; i < SWEEP_CHUNK; i++) {
      const next = this.sweepCursor.next();
      if (next.done) {
        this.sweepCursor = undefined;
        return;
      }
      if (next.value[1] <= now) this.entries.delete(next.value[0]);
    }
  }
}

/** Records `expires` for `fingerprint` unless a later expiry is already there (two keys may share a fingerprint). */
function keepLater(entries: Map<number, number>, fingerprint: number, expires: number): void {
  const known = entries.get(fingerprint);
  if (known === undefined || known < expires) entries.set(fingerprint, expires);
}

/** FNV-1a over the key's UTF-16 code units, as a signed 32-bit integer (a Smi, so the map stays cheap). */
export function fingerprintOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash | 0;
}

/** The subscriber connection for a PresenceIndex: retries forever, like the cache's own client. */
export function connectPresenceSubscriber(url: string, onError: (error: Error) => void): Redis {
  const subscriber = new Redis(url, { enableOfflineQueue: true, maxRetriesPerRequest: null });
  subscriber.on("error", onError);
  return subscriber;
}
