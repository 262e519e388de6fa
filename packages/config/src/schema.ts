import { type Static, Type as T } from "@sinclair/typebox";
import { CacheSchema, ModelCacheSchema } from "./cache.js";
import { ObservabilitySchema } from "./observability.js";
import { GuardrailsSchema, KeyPolicyFields, PolicySettingsSchema, RateLimitsSchema, TeamSchema } from "./policy.js";
import { AnyProviderSchema, type providerSchemas } from "./providers/index.js";
import { ModelRoutingFields } from "./routing.js";

export { STRATEGIES, type Strategy } from "./routing.js";
/** Provider kinds the connector can translate to. */
export const PROVIDER_KINDS = [
  "mock",
  "openai",
  "azure",
  "anthropic",
  "gemini",
  "bedrock",
] as const satisfies readonly (keyof typeof providerSchemas)[];
export const OPERATIONS = ["chat", "embeddings"] as const;
export const ROLES = ["admin", "user"] as const;

const Name = T.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._:/-]*$", maxLength: 128 });
const PositiveInt = T.Integer({ minimum: 1 });

// Defaults live here (`default:`), applied by resolveConfig with Value.Default; `description:` is the
// README's configuration reference (`npm run docs:config` renders it).

/** One schema per kind: `providers/<kind>.ts`. */
export const ProviderSchema = AnyProviderSchema;

export const PriceSchema = T.Object(
  {
    input: T.Number({ minimum: 0, description: "USD per million input tokens" }),
    output: T.Number({ minimum: 0, description: "USD per million output tokens" }),
  },
  { additionalProperties: false, default: { input: 0, output: 0 }, description: "what usage events charge for the tokens" },
);

export const DeploymentSchema = T.Object(
  {
    id: T.Optional(
      T.String({
        ...Name,
        description: "the deployment's name in routes, logs and metrics; unset: `provider/model`, then `#1`, `#2`… for repeats",
      }),
    ),
    provider: T.String({ ...Name, description: "a name under `providers`" }),
    model: T.String({ minLength: 1, description: "the model's name upstream" }),
    price: T.Optional(PriceSchema),
    weight: T.Optional(T.Number({ minimum: 0, default: 1, description: "relative share of traffic, for strategies that split it" })),
    capabilities: T.Optional(
      T.Array(T.String(), {
        default: [],
        description: "e.g. `tools`; a request that needs some skips deployments listing others; empty: any",
      }),
    ),
    context_window: T.Optional(T.Integer({ ...PositiveInt, default: 0, description: "in tokens; 0: not known" })),
    timeout_ms: T.Optional(
      T.Integer({ ...PositiveInt, description: "one attempt's deadline within the model's; unset: the provider's, else the model's" }),
    ),
  },
  { additionalProperties: false },
);

export const ModelSchema = T.Object(
  {
    ...ModelRoutingFields,
    timeout_ms: T.Optional(T.Integer({ ...PositiveInt, default: 60_000, description: "the whole request's budget across attempts" })),
    operations: T.Optional(
      T.Array(T.Union(OPERATIONS.map((o) => T.Literal(o))), { minItems: 1, default: ["chat"], description: "what the model serves" }),
    ),
    deployments: T.Array(DeploymentSchema, { minItems: 1, description: "upstream models serving it; `failover` tries them in this order" }),
    cache: T.Optional(ModelCacheSchema),
    limits: T.Optional(RateLimitsSchema),
  },
  // Value.Default fills a record's entries only when their schema has a default of its own.
  { additionalProperties: false, default: {} },
);

export const KeySchema = T.Object(
  {
    name: T.String({ ...Name, description: "unique; names the caller in usage events and spend totals" }),
    key: T.Optional(T.String({ minLength: 8, description: "the key clients send; give this or `key_sha256`" })),
    key_sha256: T.Optional(T.String({ pattern: "^[0-9a-f]{64}$", description: "the key's SHA-256 in hex, instead of `key`" })),
    role: T.Optional(
      T.Union(
        ROLES.map((r) => T.Literal(r)),
        { default: "user", description: "the caller's role, passed on with each authorized request" },
      ),
    ),
    models: T.Optional(T.Array(T.String(), { default: [], description: "models this key may use; empty: all" })),
    team: T.Optional(T.String({ default: "", description: "groups keys in usage events and spend totals" })),
    ...KeyPolicyFields,
  },
  { additionalProperties: false },
);

export const LimitsSchema = T.Object(
  {
    max_request_bytes: T.Optional(T.Integer({ ...PositiveInt, default: 16 * 1024 * 1024, description: "larger bodies get 413" })),
  },
  { additionalProperties: false, default: {}, description: "limits on what clients send" },
);

export const StreamingSchema = T.Object(
  {
    heartbeat_ms: T.Optional(
      T.Integer({ minimum: 0, default: 15_000, description: "SSE comment after this long without data; 0 turns it off" }),
    ),
  },
  { additionalProperties: false, default: {}, description: "server-sent event streams to clients" },
);

export const ConfigFileSchema = T.Object(
  {
    providers: T.Record(Name, ProviderSchema, {
      description: "upstreams by name; connector processes serve them, grouped by kind (`PROVIDERS`)",
    }),
    models: T.Record(Name, ModelSchema, { description: "the public model names clients send" }),
    keys: T.Array(KeySchema, { description: "API keys" }),
    teams: T.Optional(
      T.Record(Name, TeamSchema, { default: {}, description: "limits, budgets and guardrails shared by the keys of a team" }),
    ),
    guardrails: T.Optional(GuardrailsSchema),
    policy: T.Optional(PolicySettingsSchema),
    cache: T.Optional(CacheSchema),
    limits: T.Optional(LimitsSchema),
    streaming: T.Optional(StreamingSchema),
    observability: T.Optional(ObservabilitySchema),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;
export type ProviderFile = Static<typeof ProviderSchema>;
export type DeploymentFile = Static<typeof DeploymentSchema>;
export type ModelFile = Static<typeof ModelSchema>;
export type KeyFile = Static<typeof KeySchema>;
export type LimitsFile = Static<typeof LimitsSchema>;
export type StreamingFile = Static<typeof StreamingSchema>;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
export type Operation = (typeof OPERATIONS)[number];
export type Role = (typeof ROLES)[number];
