import { type Static, Type as T } from "@sinclair/typebox";

export const CACHE_NAMESPACES = ["global", "team", "key"] as const;
export type CacheNamespaceKind = (typeof CACHE_NAMESPACES)[number];

/** Seconds, counted to the millisecond: an entry is a hit for exactly this long. */
const Seconds = { minimum: 0.001 };

const NAMESPACE_DESCRIPTION =
  "who shares entries: `key` (each API key its own), `team` (keys of one team), `global` (everyone); a key never reads another namespace's entry";
const namespaceSchema = (options: { default?: CacheNamespaceKind; description: string }) =>
  T.Union(
    CACHE_NAMESPACES.map((n) => T.Literal(n)),
    options,
  );

export const SemanticCacheSchema = T.Object(
  {
    enabled: T.Optional(
      T.Boolean({
        default: false,
        description: "answer prompts that mean the same as a cached one (same model, parameters and namespace)",
      }),
    ),
    threshold: T.Optional(
      T.Number({
        minimum: 0,
        maximum: 1,
        default: 0.92,
        description:
          "least cosine similarity that counts as the same prompt; chosen for precision ≥ 0.98 on the labelled set (services/cache/README.md)",
      }),
    ),
    embedder: T.Optional(
      T.String({
        minLength: 1,
        default: "local",
        description:
          "`local`: word vectors that ship in an npm package (no network, no download); or a public model serving `embeddings` (one embeddings call per lookup, through the connectors)",
      }),
    ),
    safe_tools: T.Optional(
      T.Array(T.String(), {
        default: [],
        description: "tools without side effects: a request offering tools is semantic-cached only when all of them are listed here",
      }),
    ),
  },
  { additionalProperties: false, default: {}, description: "similarity cache, kept by the cache service" },
);

export const CoalesceSchema = T.Object(
  {
    enabled: T.Optional(
      T.Boolean({ default: true, description: "identical requests in flight at once (on any ingress replica) make one upstream call" }),
    ),
    wait_ms: T.Optional(
      T.Integer({
        minimum: 1,
        default: 30_000,
        description: "longest a follower waits for the leader's next event before going upstream itself",
      }),
    ),
    lease_ms: T.Optional(
      T.Integer({
        minimum: 100,
        default: 5_000,
        description: "the leader's lease in Redis, renewed while it runs; a crashed leader's followers move on once it lapses",
      }),
    ),
    across_replicas: T.Optional(
      T.Boolean({
        default: true,
        description:
          "false: coalesce within each ingress only, which saves a miss its one Redis round trip (the lease) but lets each replica call upstream once",
      }),
    ),
  },
  { additionalProperties: false, default: {}, description: "stampede protection for cache misses" },
);

export const CacheSchema = T.Object(
  {
    enabled: T.Optional(T.Boolean({ default: true, description: "false: answers are neither looked up nor stored" })),
    ttl_s: T.Optional(
      T.Number({
        ...Seconds,
        default: 3600,
        description: "seconds (to the millisecond) an answer is kept, unless the request's `x-switchyard-cache-ttl` says otherwise",
      }),
    ),
    namespace: T.Optional(namespaceSchema({ default: "key", description: NAMESPACE_DESCRIPTION })),
    max_entry_bytes: T.Optional(T.Integer({ minimum: 1, default: 1024 * 1024, description: "larger answers are not stored" })),
    index_max_entries: T.Optional(
      T.Integer({
        minimum: 0,
        default: 1_000_000,
        description:
          "stored keys each ingress tracks (about 40 bytes each) so that misses skip Redis; beyond it the ingress logs a warning and reads Redis for every lookup; 0 turns the index off",
      }),
    ),
    coalesce: T.Optional(CoalesceSchema),
    semantic: T.Optional(SemanticCacheSchema),
  },
  {
    additionalProperties: false,
    default: {},
    description: "exact-match cache of whole answers, keyed on the request's content (not `stream`, `user`, `metadata`)",
  },
);

/** A model's own cache settings: each field given replaces the `cache` section's. */
export const ModelCacheSchema = T.Object(
  {
    enabled: T.Optional(T.Boolean({ description: "false: this model's answers are not cached" })),
    ttl_s: T.Optional(T.Number({ ...Seconds, description: "this model's entry lifetime" })),
    namespace: T.Optional(namespaceSchema({ description: "this model's namespace" })),
    semantic: T.Optional(
      T.Object(
        {
          enabled: T.Optional(T.Boolean({ description: "semantic cache for this model" })),
          threshold: T.Optional(T.Number({ minimum: 0, maximum: 1, description: "this model's similarity threshold" })),
          embedder: T.Optional(T.String({ minLength: 1, description: "this model's embedder: `local` or a public embeddings model" })),
          safe_tools: T.Optional(T.Array(T.String(), { description: "this model's side-effect-free tools" })),
        },
        { additionalProperties: false, description: "overrides `cache.semantic` for this model" },
      ),
    ),
  },
  { additionalProperties: false, description: "overrides the `cache` section for this model" },
);

export type CacheFile = Static<typeof CacheSchema>;
export type ModelCacheFile = Static<typeof ModelCacheSchema>;
type SemanticFile = Static<typeof SemanticCacheSchema>;
type CoalesceFile = Static<typeof CoalesceSchema>;

/** True when any model uses the semantic cache (the cache service loads its embedder only then). */
export function semanticCacheUsed(cache: CacheConfig, models: Record<string, { cache?: ModelCacheFile }>): boolean {
  return (
    cache.enabled &&
    Object.values(models).some((model) => cachePolicyOf(cache, model).enabled && cachePolicyOf(cache, model).semantic.enabled)
  );
}

/** The built-in embedder's name; any other is a public model serving embeddings. */
export const LOCAL_EMBEDDER = "local";

/** Embedders that name no model serving embeddings, by config path. */
export function cacheIssues(
  cache: Pick<CacheFile, "semantic">,
  models: Record<string, { cache?: ModelCacheFile; operations?: readonly string[] }>,
): { path: string; message: string }[] {
  const check = (embedder: string | undefined, path: string) => {
    if (embedder === undefined || embedder === LOCAL_EMBEDDER) return [];
    const model = models[embedder];
    if (model && (model.operations ?? ["chat"]).includes("embeddings")) return [];
    const serving = Object.entries(models)
      .filter(([, m]) => (m.operations ?? []).includes("embeddings"))
      .map(([name]) => name);
    return [
      { path, message: `"${embedder}" is not a model serving embeddings; use "local" or one of: ${serving.join(", ") || "none declared"}` },
    ];
  };
  return [
    ...check(cache.semantic?.embedder, "cache.semantic.embedder"),
    ...Object.entries(models).flatMap(([name, model]) => check(model.cache?.semantic?.embedder, `models.${name}.cache.semantic.embedder`)),
  ];
}

/** The resolved `cache` section: every field present. */
export interface CacheConfig extends Required<Omit<CacheFile, "coalesce" | "semantic">> {
  coalesce: Required<CoalesceFile>;
  semantic: Required<SemanticFile>;
}

/** What applies to one model: the section's settings with the model's overrides. */
export interface ModelCachePolicy {
  enabled: boolean;
  ttlMs: number;
  namespace: CacheNamespaceKind;
  semantic: Required<SemanticFile>;
}

export function cachePolicyOf(cache: CacheConfig, model: { cache?: ModelCacheFile } | undefined): ModelCachePolicy {
  const own = model?.cache;
  return {
    enabled: cache.enabled && (own?.enabled ?? true),
    ttlMs: Math.round((own?.ttl_s ?? cache.ttl_s) * 1000),
    namespace: own?.namespace ?? cache.namespace,
    semantic: { ...cache.semantic, ...own?.semantic },
  };
}

/**
 * The namespace an entry lives in, from who asks: `global`, `team:<team>` or `key:<key name>`.
 * A key without a team falls back to its own namespace, so `team` never joins strangers.
 */
export function cacheNamespaceOf(kind: CacheNamespaceKind, caller: { keyName: string; team: string }): string {
  if (kind === "global") return "global";
  if (kind === "team" && caller.team) return `team:${caller.team}`;
  return `key:${caller.keyName}`;
}
