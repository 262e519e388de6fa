import { type Static, Type as T, type TSchema } from "@sinclair/typebox";
import { BudgetSchema, GuardrailsSchema, MetadataLimitsSchema, RateLimitsSchema, ROLES } from "@switchyard/config";

// Request and response schemas of the admin API (`/admin/keys`, `/admin/teams`, `/admin/spend`)
// and of `/v1/spend`. Limits, budgets and guardrails take the config file's own shapes.

const Name = T.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._:/-]*$", maxLength: 128 });
const Role = T.Union(ROLES.map((r) => T.Literal(r)));
const Timestamp = T.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$" });
const Day = T.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" });
const Metadata = T.Record(T.String({ maxLength: 64 }), T.String({ maxLength: 1024 }));
/** In a PATCH, `null` clears a field. */
const Clearable = <S extends TSchema>(schema: S) => T.Optional(T.Union([schema, T.Null()]));

const keyRules = {
  role: T.Optional(Role),
  team: T.Optional(T.String({ maxLength: 128 })),
  models: T.Optional(T.Array(T.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 })),
  limits: T.Optional(RateLimitsSchema),
  metadata_limits: T.Optional(MetadataLimitsSchema),
  budget: T.Optional(BudgetSchema),
  guardrails: T.Optional(GuardrailsSchema),
  expires_at: T.Optional(Timestamp),
  metadata: T.Optional(Metadata),
};

export const KeyCreateBody = T.Object({ name: Name, ...keyRules }, { additionalProperties: false });

export const KeyUpdateBody = T.Object(
  {
    role: T.Optional(Role),
    team: Clearable(T.String({ maxLength: 128 })),
    models: Clearable(T.Array(T.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 })),
    limits: Clearable(RateLimitsSchema),
    metadata_limits: Clearable(MetadataLimitsSchema),
    budget: Clearable(BudgetSchema),
    guardrails: Clearable(GuardrailsSchema),
    expires_at: Clearable(Timestamp),
    metadata: Clearable(Metadata),
  },
  { additionalProperties: false, minProperties: 1 },
);

const teamRules = {
  limits: T.Optional(RateLimitsSchema),
  metadata_limits: T.Optional(MetadataLimitsSchema),
  budget: T.Optional(BudgetSchema),
  guardrails: T.Optional(GuardrailsSchema),
};

export const TeamCreateBody = T.Object({ name: Name, ...teamRules }, { additionalProperties: false });

export const TeamUpdateBody = T.Object(
  {
    limits: Clearable(RateLimitsSchema),
    metadata_limits: Clearable(MetadataLimitsSchema),
    budget: Clearable(BudgetSchema),
    guardrails: Clearable(GuardrailsSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const IdParams = T.Object({ id: T.String({ minLength: 1, maxLength: 160 }) });

export const SpendQuery = T.Object(
  {
    group_by: T.Optional(T.Union([T.Literal("key"), T.Literal("team"), T.Literal("model"), T.Literal("day")])),
    from: T.Optional(Day),
    to: T.Optional(Day),
  },
  { additionalProperties: false },
);

export const KeyView = T.Object({
  id: T.String(),
  object: T.Literal("key"),
  name: T.String(),
  source: T.Union([T.Literal("api"), T.Literal("config")]),
  status: T.Union([T.Literal("active"), T.Literal("revoked"), T.Literal("expired")]),
  key_hint: T.Optional(T.String()),
  ...keyRules,
  role: Role,
  team: T.String(),
  models: T.Array(T.String()),
  created_at: T.Optional(T.String()),
  updated_at: T.Optional(T.String()),
  revoked_at: T.Optional(T.String()),
  deleted: T.Optional(T.Boolean()),
});

/** A new or rotated key: the only response that shows the secret. */
export const KeyWithSecret = T.Composite([KeyView, T.Object({ key: T.String({ description: "the secret; shown this once" }) })]);

export const KeyList = T.Object({ object: T.Literal("list"), data: T.Array(KeyView) });

export const TeamView = T.Object({
  id: T.String(),
  object: T.Literal("team"),
  name: T.Optional(T.String()),
  source: T.Optional(T.Union([T.Literal("api"), T.Literal("config")])),
  ...teamRules,
  created_at: T.Optional(T.String()),
  updated_at: T.Optional(T.String()),
  deleted: T.Optional(T.Boolean()),
});

export const TeamList = T.Object({ object: T.Literal("list"), data: T.Array(TeamView) });

const Totals = {
  cost_usd: T.Number(),
  requests: T.Integer(),
  prompt_tokens: T.Integer(),
  completion_tokens: T.Integer(),
};

export const SpendReport = T.Object({
  object: T.Literal("spend"),
  group_by: T.String(),
  from: T.String(),
  to: T.String(),
  total_usd: T.Number(),
  data: T.Array(
    T.Object({
      key: T.Optional(T.String()),
      team: T.Optional(T.String()),
      model: T.Optional(T.String()),
      day: T.Optional(T.String()),
      ...Totals,
    }),
  ),
});

const PeriodTotals = T.Object({ ...Totals, resets_at: T.Optional(T.String()) });
const ScopeSpend = T.Object({
  periods: T.Object({ day: PeriodTotals, week: PeriodTotals, month: PeriodTotals, total: PeriodTotals }),
  budget: T.Optional(T.Object({ usd: T.Number(), period: T.String(), spent_usd: T.Number(), remaining_usd: T.Number() })),
});

export const OwnSpend = T.Object({
  object: T.Literal("spend"),
  key: T.String(),
  team: T.Optional(T.String()),
  key_spend: T.Optional(ScopeSpend),
  team_spend: T.Optional(ScopeSpend),
});

export type KeyCreate = Static<typeof KeyCreateBody>;
export type SpendQueryString = Static<typeof SpendQuery>;
