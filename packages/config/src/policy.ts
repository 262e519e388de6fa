import { type Static, Type as T } from "@sinclair/typebox";
import { PII_KINDS } from "@switchyard/guardrails";

export { PII_KINDS };
export const PII_MODES = ["redact", "block", "log"] as const;
export const BUDGET_PERIODS = ["day", "week", "month", "total"] as const;

const RFC3339 = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$";

const Count = (description: string) => T.Optional(T.Integer({ minimum: 1, description }));

export const RateLimitsSchema = T.Object(
  {
    rpm: Count("requests per minute; unset: no limit"),
    tpm: Count("tokens per minute (prompt estimate plus `max_tokens` reserved up front, settled from the real usage)"),
    rpd: Count("requests per day"),
    max_parallel: Count("requests in flight at once"),
  },
  {
    additionalProperties: false,
    description: "rate limits shared by every ingress replica (token buckets in Redis); a limited request gets 429 with `retry-after`",
  },
);

export const BudgetSchema = T.Object(
  {
    usd: T.Number({ minimum: 0, description: "spend cap in USD; a request that would start over it gets 429" }),
    period: T.Optional(
      T.Union(
        BUDGET_PERIODS.map((p) => T.Literal(p)),
        { default: "month", description: "when spend starts again from 0 (UTC; weeks start on Monday); `total`: never" },
      ),
    ),
  },
  { additionalProperties: false, description: "spend cap; alerts go to `switchyard.budget.alert` at 50, 80 and 100%" },
);

export const MetadataLimitsSchema = T.Record(T.String({ pattern: "^[A-Za-z0-9_.-]{1,64}$" }), RateLimitsSchema, {
  description:
    "limits per value of a request metadata field (`x-switchyard-metadata` header or the body's `metadata`), e.g. `{ user: { rpm: 20 } }` gives each end user 20 a minute",
});

export const GuardrailsSchema = T.Object(
  {
    pii: T.Optional(
      T.Object(
        {
          mode: T.Optional(
            T.Union(
              PII_MODES.map((m) => T.Literal(m)),
              {
                default: "redact",
                description: "`redact`: replace with a typed placeholder such as `[EMAIL]`; `block`: refuse with 403; `log`: only report",
              },
            ),
          ),
          kinds: T.Optional(
            T.Array(T.Union(PII_KINDS.map((k) => T.Literal(k))), { default: [...PII_KINDS], description: "what to look for in prompts" }),
          ),
        },
        { additionalProperties: false, description: "personal data in prompts" },
      ),
    ),
    deny: T.Optional(
      T.Array(T.String({ minLength: 1 }), {
        description: "regular expressions (a leading `(?i)` ignores case); a prompt matching one gets 403",
      }),
    ),
    allow: T.Optional(
      T.Array(T.String({ minLength: 1 }), { description: "when set, a prompt must match one of these regular expressions" }),
    ),
    webhook: T.Optional(
      T.Object(
        {
          url: T.String({ pattern: "^https?://", description: "gets `POST {model, messages}`; answers `{allow: bool, reason?}`" }),
          timeout_ms: T.Optional(T.Integer({ minimum: 1, default: 500, description: "how long the prompt waits for its verdict" })),
          on_error: T.Optional(
            T.Union([T.Literal("allow"), T.Literal("block")], { default: "allow", description: "what a timeout or a failed call means" }),
          ),
        },
        { additionalProperties: false, description: "an outside check of every prompt" },
      ),
    ),
    output: T.Optional(
      T.Object(
        {
          pii: T.Optional(
            T.Union([T.Literal("redact"), T.Literal("log"), T.Literal("off")], {
              default: "off",
              description: "personal data in answers, streams included; the kinds are `pii.kinds`",
            }),
          ),
        },
        { additionalProperties: false, description: "checks on answers" },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "checks on prompts and answers; a key's or team's own sections replace the global ones",
  },
);

export const TeamSchema = T.Object(
  {
    limits: T.Optional(RateLimitsSchema),
    metadata_limits: T.Optional(MetadataLimitsSchema),
    budget: T.Optional(BudgetSchema),
    guardrails: T.Optional(GuardrailsSchema),
  },
  { additionalProperties: false, default: {} },
);

/** Fields a key has beyond its identity (schema.ts's KeySchema spreads these in). */
export const KeyPolicyFields = {
  limits: T.Optional(RateLimitsSchema),
  metadata_limits: T.Optional(MetadataLimitsSchema),
  budget: T.Optional(BudgetSchema),
  guardrails: T.Optional(GuardrailsSchema),
  expires_at: T.Optional(
    T.String({ pattern: RFC3339, description: "RFC 3339 time after which the key gets 401, e.g. `2027-01-31T00:00:00Z`" }),
  ),
  metadata: T.Optional(T.Record(T.String(), T.String(), { description: "free-form labels, returned by the admin API" })),
};

export const PolicySettingsSchema = T.Object(
  {
    decision_reuse_ms: T.Optional(
      T.Integer({
        minimum: 0,
        default: 5_000,
        description: "how long an ingress reuses policy's verdict on a key (changes invalidate it at once over NATS)",
      }),
    ),
    stale_verdict_s: T.Optional(
      T.Integer({
        minimum: 0,
        default: 60,
        description:
          "while policy is unreachable, keys it allowed before keep being served for this long from the ingress's last verdicts; 0: refuse at once",
      }),
    ),
    ingress_replicas: T.Optional(
      T.Integer({ minimum: 1, default: 1, description: "while Redis is unreachable each ingress enforces limits ÷ this on its own" }),
    ),
  },
  { additionalProperties: false, default: {}, description: "how keys, limits and budgets are enforced" },
);

export type RateLimitsFile = Static<typeof RateLimitsSchema>;
export type BudgetFile = Static<typeof BudgetSchema>;
export type GuardrailsFile = Static<typeof GuardrailsSchema>;
export type TeamFile = Static<typeof TeamSchema>;
export type PolicySettingsFile = Static<typeof PolicySettingsSchema>;
export type PiiKind = (typeof PII_KINDS)[number];
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];
