import { createHash, timingSafeEqual } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { GatewayConfig, GuardrailsFile, KeyConfig, RateLimitsFile, TeamFile } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import {
  type AuthorizeResponse,
  AuthorizeResponseSchema,
  type BudgetRule,
  BudgetRuleSchema,
  type LimitRule,
  LimitRuleSchema,
} from "@switchyard/proto";
import { expandModels, modelAllowed } from "./model-patterns.js";
import { isExpired, type KeyRules } from "./records.js";
import type { PolicyStore } from "./store.js";

/** What policy knows from the config file; swapped whole on a reload. */
export class ConfigRules {
  readonly byDigest: Map<string, KeyConfig>;
  readonly byName: Map<string, KeyConfig>;
  readonly modelNames: string[];

  constructor(readonly config: GatewayConfig) {
    this.byDigest = new Map(config.keys.map((k) => [k.key_sha256, k]));
    this.byName = new Map(config.keys.map((k) => [k.name, k]));
    this.modelNames = Object.keys(config.models);
  }

  /** Budgets of the file's keys and teams by spend scope. */
  budgets(): Record<string, NonNullable<TeamFile["budget"]>> {
    const out: Record<string, NonNullable<TeamFile["budget"]>> = {};
    for (const key of this.config.keys) if (key.budget) out[`key:${key.name}`] = key.budget;
    for (const team of Object.values(this.config.teams)) if (team.budget) out[`team:${team.name}`] = team.budget;
    return out;
  }
}

export interface Principal {
  keyName: string;
  role: string;
  team: string;
  allowedModels: string[];
}

/**
 * Decides whether a key may make a request, and with which limits, budgets and guardrails: the
 * config file's keys are in memory; the admin API's are looked up in Redis by digest.
 */
export class Authorizer {
  constructor(
    private readonly rules: () => ConfigRules,
    private readonly store: PolicyStore | undefined,
  ) {}

  async authorize(apiKey: string, model: string, now = Date.now()): Promise<AuthorizeResponse> {
    const rules = this.rules();
    const reuseMs = rules.config.policy.decision_reuse_ms;
    try {
      const key = await this.find(apiKey, rules);
      if (isExpired(key, now)) throw new GatewayError("invalid_api_key", `The API key "${key.name}" has expired.`);
      if (model && !modelAllowed(key.models, model)) {
        throw new GatewayError("model_not_allowed", `Key "${key.name}" may not use model "${model}".`, { param: "model" });
      }
      // Redis away: a team of the admin API's cannot be read; its key is served without the team's rules.
      const team = key.team ? (rules.config.teams[key.team] ?? (await this.store?.team(key.team).catch(() => undefined))) : undefined;
      const untilExpiry = key.expires_at ? Date.parse(key.expires_at) - now : Number.POSITIVE_INFINITY;
      return create(AuthorizeResponseSchema, {
        allowed: true,
        keyName: key.name,
        role: key.role,
        team: key.team,
        allowedModels: expandModels(key.models, rules.modelNames),
        reuseMs: Math.max(0, Math.min(reuseMs, untilExpiry)),
        limits: limitRules(key, team, model ? rules.config.models[model]?.limits : undefined, model),
        budgets: budgetRules(key, team),
        guardrailsJson: guardrailsJson(rules.config.guardrails, team?.guardrails, key.guardrails),
      });
    } catch (error) {
      if (error instanceof GatewayError) return create(AuthorizeResponseSchema, { allowed: false, failure: error.toFailure(), reuseMs });
      throw error;
    }
  }

  /** The key's rules, or a GatewayError for a missing or unknown key. */
  private async find(apiKey: string, rules: ConfigRules): Promise<KeyRules> {
    if (!apiKey) throw new GatewayError("missing_api_key", "Missing API key. Send it as `Authorization: Bearer <key>`.");
    const digest = createHash("sha256").update(apiKey).digest();
    const hex = digest.toString("hex");
    const configured = rules.byDigest.get(hex);
    if (configured && sameDigest(configured.key_sha256, digest)) return configured;
    const stored = await this.store?.keyByDigest(hex);
    if (stored && !stored.revoked_at && sameDigest(stored.digest, digest)) return stored;
    throw new GatewayError("invalid_api_key", `Incorrect API key provided: ${mask(apiKey)}.`);
  }
}

/** Digests compared in constant time, so timing says nothing about how much of a key matched. */
function sameDigest(hex: string, digest: Buffer): boolean {
  const stored = Buffer.from(hex, "hex");
  return stored.length === digest.length && timingSafeEqual(stored, digest);
}

/** Shows enough of a key to recognise it, never enough to use it. */
export function mask(apiKey: string): string {
  return apiKey.length <= 8 ? "****" : `${apiKey.slice(0, 3)}****${apiKey.slice(-4)}`;
}

function limitRule(scope: string, limits: RateLimitsFile, metadataField = ""): LimitRule {
  return create(LimitRuleSchema, {
    scope,
    rpm: limits.rpm ?? 0,
    tpm: limits.tpm ?? 0,
    rpd: limits.rpd ?? 0,
    maxParallel: limits.max_parallel ?? 0,
    metadataField,
  });
}

function limitRules(key: KeyRules, team: TeamFile | undefined, modelLimits: RateLimitsFile | undefined, model: string): LimitRule[] {
  const rules: LimitRule[] = [];
  const add = (scope: string, limits: RateLimitsFile | undefined, perMetadata: Record<string, RateLimitsFile> | undefined) => {
    if (limits && Object.keys(limits).length > 0) rules.push(limitRule(scope, limits));
    for (const [field, fieldLimits] of Object.entries(perMetadata ?? {}))
      rules.push(limitRule(`${scope}:meta:${field}`, fieldLimits, field));
  };
  add(`key:${key.name}`, key.limits, key.metadata_limits);
  if (team) add(`team:${key.team}`, team.limits, team.metadata_limits);
  if (modelLimits) add(`model:${model}`, modelLimits, undefined);
  return rules;
}

function budgetRules(key: KeyRules, team: TeamFile | undefined): BudgetRule[] {
  const rules: BudgetRule[] = [];
  if (key.budget)
    rules.push(create(BudgetRuleSchema, { scope: `key:${key.name}`, usd: key.budget.usd, period: key.budget.period ?? "month" }));
  if (team?.budget)
    rules.push(create(BudgetRuleSchema, { scope: `team:${key.team}`, usd: team.budget.usd, period: team.budget.period ?? "month" }));
  return rules;
}

/** Global guardrails with the team's, then the key's, sections in their place; "" when none apply. */
export function guardrailsJson(...layers: (GuardrailsFile | undefined)[]): string {
  const merged: GuardrailsFile = {};
  for (const layer of layers) if (layer) Object.assign(merged, layer);
  return Object.keys(merged).length > 0 ? JSON.stringify(merged) : "";
}
