import { hash, randomUUID } from "node:crypto";
import { keyPart } from "@switchyard/response-cache";
import type { Redis } from "ioredis";
import type { Embedder, Embedding, Facts } from "./local-embedder.js";
import { SemanticIndex, scopeKeyOf } from "./semantic-index.js";

export interface SemanticQuery {
  model: string;
  namespace: string;
  /** Digest of everything but the prompt: only entries of the same scope are compared. */
  scope: string;
  prompt: string;
}

export interface SemanticHit {
  body: Uint8Array;
  deploymentId: string;
  similarity: number;
}

export type SemanticEvent = { kind: "loaded"; entries: number; ms: number } | { kind: "load_failed"; error: unknown };

const SWEEP_EVERY_MS = 1_000;
const SCAN_COUNT = 500;

/**
 * The semantic cache: a prompt's embedding near a cached one's, with the same model, namespace
 * and scope (parameters, tools, system prompt) and the same facts, answers with that entry.
 *
 * Each entry is a Redis hash (vector, facts, deployment, body) with the entry's TTL, so entries
 * survive a restart: the index is rebuilt from Redis on start. Every store is announced on a
 * channel, so each replica's index follows the others'; purges are announced the same way.
 */
export class SemanticCache {
  private readonly index: SemanticIndex;
  private loading = true;
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    /** A connection of its own for the announcements. */
    private readonly subscriber: Redis,
    private readonly embedder: Embedder,
    private readonly options: { prefix: string; maxEntryBytes: number; onEvent?: (event: SemanticEvent) => void },
  ) {
    this.index = new SemanticIndex();
    this.channel = `${options.prefix}cache:semantic-stored`;
    subscriber.on("messageBuffer", (channel: Buffer, message: Buffer) => {
      if (channel.toString() === this.channel) this.announced(message);
    });
    subscriber.on("ready", () => void this.load());
    if (subscriber.status === "ready") void this.load();
    this.sweepTimer = setInterval(() => this.index.removeExpired(), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  get size(): number {
    return this.index.size;
  }

  /** True until the first load from Redis has ended (well or not). */
  get isLoading(): boolean {
    return this.loading;
  }

  close(): void {
    clearInterval(this.sweepTimer);
    this.subscriber.disconnect();
  }

  /** The cached answer whose prompt is most similar at or above `threshold` and states the same facts. */
  /** `vector`: the prompt's embedding by a model the caller ran; absent, the local embedder's. */
  async lookup(query: SemanticQuery, threshold: number, vector?: readonly number[]): Promise<SemanticHit | undefined> {
    for (const { entry, similarity } of this.index.matches(scopeKeyOf(query), this.embeddingOf(query.prompt, vector), threshold)) {
      const [body, deploymentId] = await this.redis.hmgetBuffer(entry.redisKey, "b", "d");
      if (!body || !deploymentId) {
        this.index.remove(entry.redisKey); // evicted or deleted in Redis
        continue;
      }
      return { body, deploymentId: deploymentId.toString(), similarity };
    }
    return undefined;
  }

  /** Stores an answer for a prompt: in Redis (with its TTL), here, and in every replica's index. */
  async store(query: SemanticQuery, body: Uint8Array, deploymentId: string, ttlMs: number, given?: readonly number[]): Promise<boolean> {
    if (body.byteLength > this.options.maxEntryBytes || ttlMs <= 0) return false;
    const { vector, facts } = this.embeddingOf(query.prompt, given);
    const scopeKey = scopeKeyOf(query);
    const redisKey = `${this.options.prefix}cache:semantic:${scopeKey}:${hash("sha256", query.prompt, "base64url").slice(0, 22)}`;
    const vectorBytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
    const factsJson = JSON.stringify(facts);
    const announcement = encodeAnnouncement(this.origin, redisKey, ttlMs, vectorBytes, factsJson);
    await this.redis
      .multi()
      .hset(redisKey, { v: vectorBytes, f: factsJson, d: deploymentId, b: Buffer.from(body) })
      .pexpire(redisKey, ttlMs)
      .publish(this.channel, announcement)
      .exec();
    this.remember(redisKey, vector, facts, Date.now() + ttlMs);
    return true;
  }

  /** Deletes the entries of one model and namespace (either undefined: all), here and in Redis; the others hear of it. */
  async purge(model?: string, namespace?: string): Promise<number> {
    const match = (part: string | undefined) => (part === undefined ? "*" : keyPart(part).replace(/[*?[\]\\]/g, "\\$&"));
    const pattern = `${escapeGlob(this.options.prefix)}cache:semantic:${match(model)}:${match(namespace)}:*`;
    let deleted = 0;
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT);
      if (keys.length > 0) deleted += await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
    this.index.removeMatching(model, namespace);
    await this.redis.publish(this.channel, Buffer.from(`P${JSON.stringify([this.origin, model ?? null, namespace ?? null])}`));
    return deleted;
  }

  /** Subscribes, then reads every entry in Redis into a fresh index (announcements meanwhile count too). */
  private async load(): Promise<void> {
    const started = performance.now();
    try {
      await this.subscriber.subscribe(this.channel);
      let cursor = "0";
      do {
        const [next, keys] = await this.redis.scan(
          cursor,
          "MATCH",
          `${escapeGlob(this.options.prefix)}cache:semantic:*`,
          "COUNT",
          SCAN_COUNT,
        );
        if (keys.length > 0) {
          const pipeline = this.redis.pipeline();
          for (const key of keys) {
            pipeline.hmgetBuffer(key, "v", "f");
            pipeline.pttl(key);
          }
          const results = (await pipeline.exec()) ?? [];
          const now = Date.now();
          keys.forEach((key, i) => {
            const [vector, facts] = (results[i * 2]?.[1] as (Buffer | null)[] | undefined) ?? [];
            const ttl = results[i * 2 + 1]?.[1] as number | undefined;
            if (!vector || !facts || typeof ttl !== "number" || ttl === -2) return;
            const parsed = vectorOf(vector);
            if (parsed) this.remember(key, parsed, JSON.parse(facts.toString()) as Facts, ttl === -1 ? Number.MAX_SAFE_INTEGER : now + ttl);
          });
        }
        cursor = next;
      } while (cursor !== "0");
      this.options.onEvent?.({ kind: "loaded", entries: this.index.size, ms: Math.round(performance.now() - started) });
    } catch (error) {
      this.options.onEvent?.({ kind: "load_failed", error });
    } finally {
      this.loading = false;
    }
  }

  private announced(message: Buffer): void {
    try {
      if (message[0] === 0x50 /* P */) {
        const [origin, model, namespace] = JSON.parse(message.subarray(1).toString()) as [string, string | null, string | null];
        if (origin !== this.origin) this.index.removeMatching(model ?? undefined, namespace ?? undefined);
        return;
      }
      const decoded = decodeAnnouncement(message);
      if (!decoded || decoded.origin === this.origin) return;
      const vector = vectorOf(decoded.vector);
      if (vector) this.remember(decoded.redisKey, vector, JSON.parse(decoded.facts) as Facts, Date.now() + decoded.ttlMs);
    } catch {
      // A malformed announcement is skipped; the next load reads Redis anyway.
    }
  }

  /** The facts always come from the local embedder (they need no vectors); the vector from the caller when it sent one. */
  private embeddingOf(prompt: string, given: readonly number[] | undefined): Embedding {
    const local = this.embedder.embed(prompt);
    if (!given || given.length === 0) return local;
    const norm = Math.hypot(...given) || 1;
    return { vector: Float32Array.from(given, (x) => x / norm), facts: local.facts };
  }

  private remember(redisKey: string, vector: Float32Array, facts: Facts, expiresAt: number): void {
    const scopeKey = redisKey.slice(`${this.options.prefix}cache:semantic:`.length, redisKey.lastIndexOf(":"));
    this.index.add(redisKey, scopeKey, vector, facts, expiresAt);
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

function vectorOf(bytes: Buffer): Float32Array | undefined {
  if (bytes.byteLength === 0 || bytes.byteLength % 4 !== 0) return undefined;
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** "A", then a JSON header [origin, key, ttlMs, vector bytes, facts], a newline, the vector bytes and the facts. */
function encodeAnnouncement(origin: string, redisKey: string, ttlMs: number, vector: Buffer, facts: string): Buffer {
  const factsBytes = Buffer.from(facts);
  const head = Buffer.from(`A${JSON.stringify([origin, redisKey, ttlMs, vector.byteLength])}\n`);
  return Buffer.concat([head, vector, factsBytes]);
}

function decodeAnnouncement(
  message: Buffer,
): { origin: string; redisKey: string; ttlMs: number; vector: Buffer; facts: string } | undefined {
  if (message[0] !== 0x41 /* A */) return undefined;
  const newline = message.indexOf(10);
  if (newline < 0) return undefined;
  const [origin, redisKey, ttlMs, vectorLength] = JSON.parse(message.subarray(1, newline).toString()) as [string, string, number, number];
  const vector = message.subarray(newline + 1, newline + 1 + vectorLength);
  return { origin, redisKey, ttlMs, vector, facts: message.subarray(newline + 1 + vectorLength).toString() };
}
