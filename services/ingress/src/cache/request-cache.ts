import {
  type CacheNamespaceKind,
  cacheNamespaceOf,
  cachePolicyOf,
  type GatewayConfig,
  LOCAL_EMBEDDER,
  type ModelCachePolicy,
} from "@switchyard/config";
import type { ClientOf } from "@switchyard/grpc";
import type { CacheService, Price, TokenUsage } from "@switchyard/proto";
import { type Flight, type FlightLeader, type Flights, type ResponseCache, scopedKey } from "@switchyard/response-cache";
import type { Logger } from "@switchyard/telemetry";
import { costOf } from "../pipeline/cost.js";
import type { CacheMetrics } from "./cache-metrics.js";
import type { EmbeddingCaller, RemoteEmbedder } from "./remote-embedder.js";
import { type SemanticQuery, semanticQueryOf } from "./semantic-query.js";

/** What the cache has to say about one request, before anything goes upstream. */
export type CacheFound =
  | { kind: "hit"; body: Uint8Array; deploymentId: string }
  | { kind: "semantic_hit"; body: Uint8Array; deploymentId: string; similarity: number }
  /** An identical request is in flight: wait for its answer. */
  | { kind: "follow"; flight: Flight }
  /** This request makes the upstream call for everyone waiting on it. */
  | { kind: "lead"; leader: FlightLeader }
  /** Go upstream, nobody to tell. */
  | { kind: "miss" };

/** One request's place in the cache: who may read its entry, and under which keys. */
export interface CacheEntryRef {
  model: string;
  namespace: string;
  /** `scopedKey(namespace, digest)`. */
  key: string;
  body: Record<string, unknown>;
  policy: ModelCachePolicy;
  /** Computed on first use, undefined when the request is not for the semantic cache. */
  semantic?: SemanticQuery | null;
  /** The prompt's embedding by the model's remote embedder, once the lookup has it (the store reuses it). */
  vector?: number[];
  /** Who asked (a remote embedder's call is charged to them). */
  caller: EmbeddingCaller;
}

export interface RequestCacheMesh {
  cache: Pick<ResponseCache, "lookup" | "storeSoon"> & Partial<Pick<ResponseCache, "keyOf">>;
  flights?: Pick<Flights, "join">;
  cacheService?: Pick<ClientOf<typeof CacheService>, "semanticLookup" | "semanticStore">;
  /** For semantic caches whose embedder is a model of the config rather than `local`. */
  embed?: RemoteEmbedder;
}

/** The semantic lookup waits at most this long: a slow cache service must not slow every miss. */
const SEMANTIC_TIMEOUT_MS = 250;

/**
 * The ingress's side of the cache: per-model policy and namespace, exact lookup in Redis,
 * semantic lookup in the cache service, stampede protection, and storing the answer. Every
 * dependency failure is a miss (counted and logged), never an error for the client.
 */
export class RequestCache {
  private readonly policies = new Map<string, ModelCachePolicy>();
  private lastWarning = 0;

  constructor(
    private readonly mesh: RequestCacheMesh,
    private readonly config: GatewayConfig,
    readonly metrics: CacheMetrics,
    private readonly logger: Logger,
  ) {}

  policyOf(model: string): ModelCachePolicy {
    let policy = this.policies.get(model);
    if (!policy) {
      const known = Object.hasOwn(this.config.models, model) ? this.config.models[model] : undefined;
      policy = cachePolicyOf(this.config.cache, known);
      // Kept only for configured models: a client's made-up names must not grow the map.
      if (known) this.policies.set(model, policy);
    }
    return policy;
  }

  /** The entry a caller's request maps to. */
  entryOf(
    model: string,
    digest: string,
    body: Record<string, unknown>,
    caller: { keyName: string; team: string },
    requestId: string,
  ): CacheEntryRef {
    const policy = this.policyOf(model);
    const namespace = cacheNamespaceOf(policy.namespace as CacheNamespaceKind, caller);
    return {
      model,
      namespace,
      key: scopedKey(namespace, digest),
      body,
      policy,
      caller: { requestId, keyName: caller.keyName, team: caller.team },
    };
  }

  /** Exact entry, then a semantic one, then the flight: the first that answers. */
  async find(entry: CacheEntryRef, options: { coalesce: boolean }): Promise<CacheFound> {
    let exact: Awaited<ReturnType<RequestCacheMesh["cache"]["lookup"]>>;
    try {
      exact = await this.mesh.cache.lookup(entry.model, entry.key);
    } catch (error) {
      this.unavailable("redis", error);
    }
    if (exact) return { kind: "hit", ...exact };
    const semantic = await this.findSimilar(entry);
    if (semantic) return semantic;
    const flights = this.mesh.flights;
    if (!options.coalesce || !flights || !this.mesh.cache.keyOf) return { kind: "miss" };
    const role = await flights.join(this.mesh.cache.keyOf(entry.model, entry.key));
    if (role.role === "follower") return { kind: "follow", flight: role.flight };
    // Redis did not answer: other replicas cannot join this call.
    if (role.redisError) this.unavailable("redis", role.redisError);
    return { kind: "lead", leader: role.leader };
  }

  private semanticOf(entry: CacheEntryRef): SemanticQuery | undefined {
    if (entry.semantic === undefined) {
      const { enabled, safe_tools, embedder } = entry.policy.semantic;
      entry.semantic = enabled && this.mesh.cacheService ? (semanticQueryOf(entry.body, safe_tools, embedder) ?? null) : null;
    }
    return entry.semantic ?? undefined;
  }

  private async findSimilar(entry: CacheEntryRef): Promise<CacheFound | undefined> {
    const query = this.semanticOf(entry);
    if (!query || !this.mesh.cacheService) return undefined;
    const { embedder } = entry.policy.semantic;
    if (embedder !== LOCAL_EMBEDDER) {
      if (!this.mesh.embed) return undefined;
      try {
        entry.vector = await this.mesh.embed(embedder, query.prompt, entry.caller);
      } catch (error) {
        this.unavailable("embedder", error);
        return undefined;
      }
    }
    try {
      const found = await this.mesh.cacheService.semanticLookup(
        {
          model: entry.model,
          namespace: entry.namespace,
          scope: query.scope,
          prompt: query.prompt,
          threshold: entry.policy.semantic.threshold,
          embedder,
          vector: entry.vector ?? [],
        },
        { timeoutMs: SEMANTIC_TIMEOUT_MS },
      );
      if (!found.hit) return undefined;
      return { kind: "semantic_hit", body: found.body, deploymentId: found.deploymentId, similarity: found.similarity };
    } catch (error) {
      this.unavailable("cache_service", error);
      return undefined;
    }
  }

  /**
   * Stores a complete answer (exact, and semantic where it applies) and hands it to the
   * requests waiting on this one. `completion` is undefined for a stream the gateway could not
   * assemble: followers that streamed along finish, the others go upstream.
   */
  store(
    entry: CacheEntryRef,
    completion: Uint8Array | undefined,
    deploymentId: string,
    options: { ttlMs: number; replace: boolean; leader?: FlightLeader },
  ): void {
    const { leader } = options;
    leader?.flight.push({ kind: "done", deploymentId, completion: completion ?? new Uint8Array(0) });
    if (!completion) {
      leader?.release();
      return;
    }
    const ttlMs = options.ttlMs > 0 ? options.ttlMs : entry.policy.ttlMs;
    const stored = this.mesh.cache.storeSoon(entry.model, entry.key, completion, deploymentId, ttlMs, {
      replace: options.replace,
      ...(leader?.lease ? { lease: leader.lease } : {}),
    });
    if (stored !== "stored") leader?.release();
    const query = this.semanticOf(entry);
    // A remote embedder's vector comes from the lookup; without it (refresh, or the call failed) there is nothing to store.
    const embedded = entry.policy.semantic.embedder === LOCAL_EMBEDDER || entry.vector !== undefined;
    if (stored === "stored" && query && embedded && this.mesh.cacheService && storableForSimilarity(completion)) {
      this.mesh.cacheService
        .semanticStore({
          model: entry.model,
          namespace: entry.namespace,
          scope: query.scope,
          prompt: query.prompt,
          body: completion,
          deploymentId,
          ttlMs,
          embedder: entry.policy.semantic.embedder,
          vector: entry.vector ?? [],
        })
        .catch((error: unknown) => this.unavailable("cache_service", error));
    }
  }

  /** What an answer served without an upstream call would have cost, for the saved-cost count. */
  served(model: string, deploymentId: string, bytes: number, usage: TokenUsage | undefined): void {
    const deployments = Object.hasOwn(this.config.models, model) ? this.config.models[model]?.deployments : undefined;
    const price = deployments?.find((d) => d.id === deploymentId)?.price as Price | undefined;
    this.metrics.served(bytes, costOf(usage, price));
  }

  private unavailable(dependency: "redis" | "cache_service" | "embedder", error: unknown): void {
    this.metrics.unavailable(dependency);
    // One line a second at most: an outage must not flood the log at the request rate.
    const now = Date.now();
    if (now - this.lastWarning < 1_000) return;
    this.lastWarning = now;
    this.logger.warn({ err: error, dependency }, "cache step skipped: the request goes on without it");
  }
}

/** Only whole answers are compared by meaning: one cut short by its token limit is not the answer to a paraphrase. */
function storableForSimilarity(completion: Uint8Array): boolean {
  try {
    const parsed = JSON.parse(Buffer.from(completion).toString()) as { choices?: { finish_reason?: unknown }[] };
    return Array.isArray(parsed.choices) && parsed.choices.length > 0 && parsed.choices.every((c) => c.finish_reason === "stop");
  } catch {
    return false;
  }
}
