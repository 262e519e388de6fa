import { type Static, Type as T } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { ConfigIssue } from "./errors.js";

/** Routing strategies the router implements (`models.<name>.strategy`). */
export const STRATEGIES = ["failover", "weighted", "least-busy", "latency", "cascade", "capability"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Answer checks a cascade can escalate on. */
export const CASCADE_CHECKS = ["empty", "length", "refusal", "json_schema"] as const;
export type CascadeCheck = (typeof CASCADE_CHECKS)[number];

export const RetriesSchema = T.Object(
  {
    attempts: T.Optional(
      T.Integer({ minimum: 0, maximum: 10, default: 0, description: "extra tries on the same deployment before moving on" }),
    ),
    backoff_ms: T.Optional(T.Integer({ minimum: 0, default: 200, description: "first wait; doubles each retry, jittered" })),
    max_backoff_ms: T.Optional(T.Integer({ minimum: 0, default: 2_000 })),
  },
  { additionalProperties: false },
);

export const CooldownSchema = T.Union([
  T.Literal(false),
  T.Object(
    {
      after_failures: T.Optional(
        T.Integer({ minimum: 1, default: 3, description: "consecutive retryable failures that open the breaker" }),
      ),
      for_s: T.Optional(
        T.Number({ exclusiveMinimum: 0, default: 30, description: "seconds the deployment is skipped before a half-open probe" }),
      ),
    },
    { additionalProperties: false },
  ),
]);

export const HedgeSchema = T.Object(
  {
    after_ms: T.Optional(T.Integer({ minimum: 1 })),
    after: T.Optional(T.Literal("p95")),
    max_share: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.05 })),
  },
  { additionalProperties: false },
);

export const LatencySchema = T.Object(
  {
    explore: T.Optional(
      T.Number({ minimum: 0, maximum: 1, default: 0.05, description: "share of requests that probe a deployment other than the fastest" }),
    ),
  },
  { additionalProperties: false },
);

export const CascadeSchema = T.Object(
  {
    checks: T.Optional(T.Array(T.Union(CASCADE_CHECKS.map((c) => T.Literal(c))), { default: [...CASCADE_CHECKS] })),
    threshold: T.Optional(
      T.Number({ minimum: 0, maximum: 1, default: 0.7, description: "prompt complexity above which the strongest deployment goes first" }),
    ),
  },
  { additionalProperties: false },
);

/** The routing fields of a public model, spread into ModelSchema. */
export const ModelRoutingFields = {
  strategy: T.Optional(
    T.Union(
      STRATEGIES.map((s) => T.Literal(s)),
      { default: "failover", description: "how the router orders deployments (services/router/README.md); `failover`: in config order" },
    ),
  ),
  retries: T.Optional(RetriesSchema),
  cooldown: T.Optional(CooldownSchema),
  hedge: T.Optional(HedgeSchema),
  fallbacks: T.Optional(T.Array(T.String({ minLength: 1 }))),
  latency: T.Optional(LatencySchema),
  cascade: T.Optional(CascadeSchema),
};

const ModelRoutingSchema = T.Object(ModelRoutingFields);
type ModelRoutingFile = Static<typeof ModelRoutingSchema>;

export interface RoutingConfig {
  strategy: Strategy;
  retries: Filled<Static<typeof RetriesSchema>>;
  /** False when the circuit breaker is off. */
  cooldown: false | { after_failures: number; for_s: number };
  hedge?: { after_ms?: number; after?: "p95"; max_share: number };
  /** Other public models tried, in order, once this model's deployments are exhausted. */
  fallbacks: string[];
  latency: Filled<Static<typeof LatencySchema>>;
  cascade: { checks: CascadeCheck[]; threshold: number };
}

/** An object whose defaulted fields are all present. */
type Filled<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

/** The defaults the schema declares, filled into what the file gave (or into nothing). */
const defaults = <S extends Parameters<typeof Value.Default>[0]>(schema: S, value: unknown = {}) =>
  Value.Default(schema, structuredClone(value)) as Filled<Static<S>>;

/** A model's routing settings with the schema's defaults filled in. */
export function resolveRouting(file: ModelRoutingFile): RoutingConfig {
  const cooldown = file.cooldown === false ? false : defaults(CooldownSchema.anyOf[1], file.cooldown);
  return {
    strategy: file.strategy ?? "failover",
    retries: defaults(RetriesSchema, file.retries),
    cooldown,
    ...(file.hedge ? { hedge: defaults(HedgeSchema, file.hedge) } : {}),
    fallbacks: file.fallbacks ?? [],
    latency: defaults(LatencySchema, file.latency),
    cascade: defaults(CascadeSchema, file.cascade) as RoutingConfig["cascade"],
  };
}

interface RoutedDeployment {
  weight?: number | undefined;
  price?: { input: number; output: number } | undefined;
}

/**
 * Combinations the schema cannot express, refused at start with the field and the fix: settings
 * the chosen strategy would silently ignore, and fallbacks that name nothing.
 */
export function routingIssues(
  name: string,
  file: ModelRoutingFile,
  deployments: readonly RoutedDeployment[],
  modelNames: ReadonlySet<string>,
): ConfigIssue[] {
  const at = (field: string) => `models.${name}.${field}`;
  const strategy = file.strategy ?? "failover";
  const issues: ConfigIssue[] = [];
  if (strategy !== "weighted") {
    const weighted = deployments.findIndex((d) => d.weight !== undefined);
    if (weighted !== -1) {
      issues.push({
        path: at(`deployments[${weighted}].weight`),
        message: `weight only applies to strategy: weighted (this model uses ${strategy}); remove it or set strategy: weighted`,
      });
    }
  }
  if (strategy === "cascade") {
    const unpriced = deployments.findIndex((d) => d.price === undefined);
    if (unpriced !== -1) {
      issues.push({
        path: at(`deployments[${unpriced}].price`),
        message: "strategy: cascade orders deployments by price; give every deployment price: { input, output } (USD per million tokens)",
      });
    }
  } else if (file.cascade) {
    issues.push({
      path: at("cascade"),
      message: `cascade settings only apply to strategy: cascade (this model uses ${strategy}); remove them or change the strategy`,
    });
  }
  if (file.latency && strategy !== "latency") {
    issues.push({
      path: at("latency"),
      message: `latency settings only apply to strategy: latency (this model uses ${strategy}); remove them or change the strategy`,
    });
  }
  if (file.hedge) {
    if (deployments.length < 2) {
      issues.push({ path: at("hedge"), message: "a hedge starts the request on a second deployment; add one or remove hedge" });
    }
    if ((file.hedge.after_ms === undefined) === (file.hedge.after === undefined)) {
      issues.push({ path: at("hedge"), message: "give exactly one of after_ms (milliseconds) or after: p95" });
    }
  }
  (file.fallbacks ?? []).forEach((fallback, i) => {
    if (fallback === name)
      issues.push({ path: at(`fallbacks[${i}]`), message: "a model cannot fall back to itself; name another public model" });
    else if (!modelNames.has(fallback)) {
      issues.push({
        path: at(`fallbacks[${i}]`),
        message: `unknown model "${fallback}"; name a public model declared under models (known: ${[...modelNames].join(", ")})`,
      });
    }
  });
  const retries = file.retries ? defaults(RetriesSchema, file.retries) : undefined;
  if (retries && retries.max_backoff_ms < retries.backoff_ms) {
    issues.push({
      path: at("retries.max_backoff_ms"),
      message: `must be at least backoff_ms (${retries.backoff_ms}); raise it or lower backoff_ms`,
    });
  }
  return issues;
}
