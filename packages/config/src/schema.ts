import { type Static, Type as T } from "@sinclair/typebox";
import { ModelRoutingFields } from "./routing.js";
import { AnyProviderSchema, type providerSchemas } from "./providers/index.js";

export { STRATEGIES, type Strategy } from "./routing.js";
/** Provider kinds the connector can translate to. */
export const PROVIDER_KINDS = ["mock", "openai", "azure", "anthropic", "gemini", "bedrock"] as const satisfies readonly (keyof typeof providerSchemas)[];
export const OPERATIONS = ["chat", "embeddings"] as const;
export const ROLES = ["admin", "user"] as const;

const Name = T.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._:/-]*$", maxLength: 128 });
const PositiveInt = T.Integer({ minimum: 1 });

/** One schema per kind: `providers/<kind>.ts`. */
export const ProviderSchema = AnyProviderSchema;

export const PriceSchema = T.Object(
  {
    input: T.Number({ minimum: 0, description: "USD per million input tokens" }),
    output: T.Number({ minimum: 0, description: "USD per million output tokens" }),
  },
  { additionalProperties: false },
);

export const DeploymentSchema = T.Object(
  {
    id: T.Optional(Name),
    provider: Name,
    model: T.String({ minLength: 1 }),
    price: T.Optional(PriceSchema),
    weight: T.Optional(T.Number({ minimum: 0 })),
    capabilities: T.Optional(T.Array(T.String())),
    context_window: T.Optional(PositiveInt),
    timeout_ms: T.Optional(PositiveInt),
  },
  { additionalProperties: false },
);

export const ModelSchema = T.Object(
  {
    ...ModelRoutingFields,
    timeout_ms: T.Optional(PositiveInt),
    operations: T.Optional(T.Array(T.Union(OPERATIONS.map((o) => T.Literal(o))), { minItems: 1 })),
    deployments: T.Array(DeploymentSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const KeySchema = T.Object(
  {
    name: Name,
    key: T.Optional(T.String({ minLength: 8 })),
    key_sha256: T.Optional(T.String({ pattern: "^[0-9a-f]{64}$" })),
    role: T.Optional(T.Union(ROLES.map((r) => T.Literal(r)))),
    models: T.Optional(T.Array(T.String())),
    team: T.Optional(T.String()),
  },
  { additionalProperties: false },
);

export const CacheSchema = T.Object(
  {
    enabled: T.Optional(T.Boolean()),
    ttl_s: T.Optional(PositiveInt),
    max_entry_bytes: T.Optional(PositiveInt),
    index_max_entries: T.Optional(
      T.Integer({ minimum: 0, description: "keys each ingress tracks so a lookup for an answer never stored skips Redis; 0 turns this off" }),
    ),
  },
  { additionalProperties: false },
);

export const LimitsSchema = T.Object(
  {
    max_request_bytes: T.Optional(PositiveInt),
  },
  { additionalProperties: false },
);

export const StreamingSchema = T.Object(
  {
    heartbeat_ms: T.Optional(T.Integer({ minimum: 0, description: "SSE comment after this long without data; 0 turns it off" })),
  },
  { additionalProperties: false },
);

export const ConfigFileSchema = T.Object(
  {
    providers: T.Record(Name, ProviderSchema),
    models: T.Record(Name, ModelSchema),
    keys: T.Array(KeySchema),
    cache: T.Optional(CacheSchema),
    limits: T.Optional(LimitsSchema),
    streaming: T.Optional(StreamingSchema),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;
export type ProviderFile = Static<typeof ProviderSchema>;
export type DeploymentFile = Static<typeof DeploymentSchema>;
export type ModelFile = Static<typeof ModelSchema>;
export type KeyFile = Static<typeof KeySchema>;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
export type Operation = (typeof OPERATIONS)[number];
export type Role = (typeof ROLES)[number];
