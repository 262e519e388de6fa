import { createHash } from "node:crypto";

/** How a caller's key becomes a map key: as it is, or (for keys holding a client's API key) its digest. */
export type KeyOf = (key: string) => string;

/** The SHA-256 of the key: the cache of policy decisions never holds a client's API key in memory as a map key. */
export const digestKey: KeyOf = (key) => createHash("sha256").update(key).digest("base64");

/**
 * Answers of the control services (policy decisions, router plans) kept for as long as the
 * service said they may be reused. Bounded: the oldest entries go first when full.
 */
export class DecisionCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly keyOf: KeyOf = (key) => key,
  ) {}

  get(key: string, now = Date.now()): T | undefined {
    return this.getStored(this.keyOf(key), now);
  }

  private getStored(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, reuseMs: number, now = Date.now()): void {
    if (reuseMs <= 0) return;
    const stored = this.keyOf(key);
    if (this.entries.size >= this.maxEntries && !this.entries.has(stored)) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(stored, { value, until: now + reuseMs });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Calls `fetch` unless a reusable answer for `key` is cached; caches what comes back. */
export async function cachedCall<T extends { reuseMs: number }>(cache: DecisionCache<T>, key: string, fetch: () => Promise<T>): Promise<T> {
  const known = cache.get(key);
  if (known) return known;
  const fresh = await fetch();
  cache.set(key, fresh, fresh.reuseMs);
  return fresh;
}
