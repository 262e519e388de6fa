import type { BudgetFile, GuardrailsFile, KeyConfig, RateLimitsFile, Role, TeamConfig, TeamFile } from "@switchyard/config";

/** What a key is allowed and held to, wherever it is defined (config file or admin API). */
export interface KeyRules {
  name: string;
  role: Role;
  team: string;
  models: string[];
  limits?: RateLimitsFile;
  metadata_limits?: Record<string, RateLimitsFile>;
  budget?: BudgetFile;
  guardrails?: GuardrailsFile;
  expires_at?: string;
  metadata?: Record<string, string>;
}

/** A key made through the admin API, as stored in Redis (the digest never leaves policy). */
export interface StoredKey extends KeyRules {
  id: string;
  /** SHA-256 of the secret, hex. */
  digest: string;
  /** The secret's first and last characters, enough to recognise it. */
  key_hint: string;
  created_at: string;
  updated_at: string;
  revoked_at?: string;
}

/** A key as the admin API shows it: never its secret nor its digest. */
export interface KeyView extends KeyRules {
  id: string;
  object: "key";
  source: "api" | "config";
  key_hint?: string;
  created_at?: string;
  updated_at?: string;
  revoked_at?: string;
  status: "active" | "revoked" | "expired";
}

export interface StoredTeam extends TeamFile {
  name: string;
  created_at: string;
  updated_at: string;
}

export interface TeamView extends TeamFile {
  id: string;
  object: "team";
  name: string;
  source: "api" | "config";
  created_at?: string;
  updated_at?: string;
}

/** Config keys are addressed as `config:<name>` in the admin API. */
export const CONFIG_KEY_PREFIX = "config:";

export function isExpired(rules: Pick<KeyRules, "expires_at">, now = Date.now()): boolean {
  return rules.expires_at !== undefined && Date.parse(rules.expires_at) <= now;
}

export function storedKeyView(key: StoredKey, now = Date.now()): KeyView {
  const { digest: _digest, ...rest } = key;
  return { ...rest, object: "key", source: "api", status: key.revoked_at ? "revoked" : isExpired(key, now) ? "expired" : "active" };
}

export function configKeyView(key: KeyConfig, now = Date.now()): KeyView {
  const { key_sha256: _digest, ...rest } = key;
  return {
    ...rest,
    id: `${CONFIG_KEY_PREFIX}${key.name}`,
    object: "key",
    source: "config",
    status: isExpired(key, now) ? "expired" : "active",
  };
}

export function storedTeamView(team: StoredTeam): TeamView {
  return { ...team, id: team.name, object: "team", source: "api" };
}

export function configTeamView(team: TeamConfig): TeamView {
  return { ...team, id: team.name, object: "team", source: "config" };
}
