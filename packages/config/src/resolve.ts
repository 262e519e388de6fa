import { createHash } from "node:crypto";
import { Value } from "@sinclair/typebox/value";
import { compilePattern } from "@switchyard/guardrails";
import { type CacheConfig, cacheIssues } from "./cache.js";
import { type ConfigIssue, formatPath } from "./errors.js";
import type { MissingVariable } from "./interpolate.js";
import type { ObservabilityConfig } from "./observability.js";
import type { GuardrailsFile, KeyPolicyFields, PolicySettingsFile, TeamFile } from "./policy.js";
import { withProviderErrors } from "./provider-config.js";
import { type RoutingConfig, resolveRouting, routingIssues } from "./routing.js";
import {
  type ConfigFile,
  ConfigFileSchema,
  type DeploymentFile,
  type KeyFile,
  type LimitsFile,
  type ModelFile,
  ModelSchema,
  type ProviderFile,
  type StreamingFile,
} from "./schema.js";

// The resolved types are the file's with every field present: the schema's defaults fill most, and
// resolveConfig computes the rest (deployment ids and timeouts, key digests, provider `enabled`).

/** What resolving adds to every provider's own fields. */
export interface ProviderResolved {
  name: string;
  /** False when a secret it needs is missing from the environment; its deployments are dropped. */
  enabled: boolean;
  disabled_reason?: string;
}

/** A provider as configured: its kind's fields (see `providers/`) plus the resolved ones. */
export type ProviderConfig = ProviderFile & ProviderResolved;

export type DeploymentConfig = Required<DeploymentFile>;

export interface ModelConfig
  extends RoutingConfig,
    Required<Pick<ModelFile, "timeout_ms" | "operations">>,
    Pick<ModelFile, "cache" | "limits"> {
  name: string;
  /** Only deployments whose provider is enabled, in config order. */
  deployments: DeploymentConfig[];
}

/** Identity fields are always present; the policy fields (limits, budget…) only when set. */
export type KeyConfig = Required<Omit<KeyFile, "key" | keyof typeof KeyPolicyFields>> & Pick<KeyFile, keyof typeof KeyPolicyFields>;

export type TeamConfig = TeamFile & { name: string };

export interface GatewayConfig {
  source: string;
  providers: Record<string, ProviderConfig>;
  models: Record<string, ModelConfig>;
  keys: KeyConfig[];
  cache: CacheConfig;
  limits: Required<LimitsFile>;
  streaming: Required<StreamingFile>;
  observability: ObservabilityConfig;
  teams: Record<string, TeamConfig>;
  /** Absent: no global guardrails. */
  guardrails?: GuardrailsFile;
  policy: Required<PolicySettingsFile>;
}

type DefaultedDeployment = DeploymentFile & Omit<DeploymentConfig, "id" | "timeout_ms">;

/** A file that passed the schema, after Value.Default: only the computed fields may be missing. */
interface DefaultedFile
  extends Pick<ConfigFile, "providers" | "guardrails">,
    Pick<GatewayConfig, "cache" | "limits" | "streaming" | "observability" | "policy"> {
  teams: Record<string, TeamFile>;
  models: Record<string, Omit<ModelConfig, "name" | "deployments"> & { deployments: DefaultedDeployment[] }>;
  keys: (KeyFile & Omit<KeyConfig, "key_sha256">)[];
}

export const DEFAULT_MODEL_TIMEOUT_MS: number = ModelSchema.properties.timeout_ms.default;

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Checks the interpolated tree against the schema and turns it into the typed, resolved form. */
export function resolveConfig(
  tree: unknown,
  missing: MissingVariable[],
  source: string,
): { config?: GatewayConfig; issues: ConfigIssue[] } {
  // An unset variable outside `providers` is an error; said first, it explains the empty value.
  const unset: ConfigIssue[] = missing
    .filter((m) => m.path[0] !== "providers")
    .map((m) => ({
      path: formatPath(m.path),
      message: `environment variable ${m.variable} is not set (use \${${m.variable}:-default} for a fallback)`,
    }));
  const schemaIssues: ConfigIssue[] = withProviderErrors(Value.Errors(ConfigFileSchema, tree)).map((error) => ({
    path: formatPath(error.path.split("/").slice(1)),
    message: explain(error.message, error.value, error.schema as { anyOf?: { const?: unknown }[]; const?: unknown }),
  }));
  if (schemaIssues.length > 0) return { issues: dedupe([...unset, ...schemaIssues]) };
  const issues: ConfigIssue[] = [...unset];
  const file = Value.Default(ConfigFileSchema, Value.Clone(tree)) as DefaultedFile;

  const providers: Record<string, ProviderConfig> = {};
  for (const [name, provider] of Object.entries(file.providers)) {
    const unset = missing.filter((m) => m.path[0] === "providers" && m.path[1] === name).map((m) => m.variable);
    providers[name] = {
      ...provider,
      name,
      enabled: unset.length === 0,
      ...(unset.length > 0 ? { disabled_reason: `${unset.join(", ")} not set` } : {}),
    };
  }

  const models: Record<string, ModelConfig> = {};
  for (const [name, model] of Object.entries(file.models)) {
    const seen = new Map<string, number>();
    const deployments: DeploymentConfig[] = [];
    model.deployments.forEach((d, i) => {
      const provider = providers[d.provider];
      if (!provider) {
        issues.push({
          path: `models.${name}.deployments[${i}].provider`,
          message: `unknown provider "${d.provider}"; declare it under providers (known: ${Object.keys(providers).join(", ") || "none"})`,
        });
        return;
      }
      if (!provider.enabled) return;
      const base = d.id ?? `${d.provider}/${d.model}`;
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      deployments.push({
        ...d,
        id: count === 0 ? base : `${base}#${count}`,
        timeout_ms: d.timeout_ms ?? provider.timeout_ms ?? model.timeout_ms,
      });
    });
    // Routing rules read what the file said, not the schema's defaults (a defaulted weight is no weight).
    const raw = (tree as ConfigFile).models[name]!;
    issues.push(...routingIssues(name, raw, raw.deployments, new Set(Object.keys(file.models))));
    if (deployments.length === 0) continue; // every provider of this model lacks its secret
    models[name] = { ...model, ...resolveRouting(raw), name, deployments };
  }

  const keyNames = new Set<string>();
  const keys: KeyConfig[] = [];
  file.keys.forEach((k, i) => {
    if (keyNames.has(k.name)) issues.push({ path: `keys[${i}].name`, message: `duplicate key name "${k.name}"` });
    keyNames.add(k.name);
    if (!k.key === !k.key_sha256) {
      issues.push({ path: `keys[${i}]`, message: "give exactly one of key or key_sha256 (the hex SHA-256 of the key)" });
      return;
    }
    const { key, key_sha256, ...rest } = k;
    keys.push({ ...rest, key_sha256: key_sha256 ?? sha256Hex(key as string) });
  });
  const patternIssues = (guardrails: GuardrailsFile | undefined, at: string) => {
    for (const list of ["deny", "allow"] as const) {
      guardrails?.[list]?.forEach((source, i) => {
        try {
          compilePattern(source);
        } catch (error) {
          issues.push({ path: `${at}guardrails.${list}[${i}]`, message: `not a regular expression: ${(error as Error).message}` });
        }
      });
    }
  };
  patternIssues(file.guardrails, "");
  file.keys.forEach((k, i) => patternIssues(k.guardrails, `keys[${i}].`));
  for (const [name, team] of Object.entries(file.teams)) patternIssues(team.guardrails, `teams.${name}.`);
  const teams: Record<string, TeamConfig> = {};
  for (const [name, team] of Object.entries(file.teams)) teams[name] = { ...team, name };

  issues.push(...cacheIssues(file.cache, file.models));
  if (issues.length > 0) return { issues };
  return {
    issues,
    config: {
      source,
      providers,
      models,
      keys,
      cache: file.cache,
      limits: file.limits,
      streaming: file.streaming,
      observability: file.observability,
      teams,
      ...(file.guardrails ? { guardrails: file.guardrails } : {}),
      policy: file.policy,
    },
  };
}

function explain(message: string, value: unknown, schema: { anyOf?: { const?: unknown }[]; const?: unknown }): string {
  const choices = schema.const !== undefined ? [schema.const] : schema.anyOf?.map((s) => s.const).filter((c) => c !== undefined);
  if (choices && choices.length > 0)
    return `must be one of ${choices.map((c) => JSON.stringify(c)).join(", ")} (got ${JSON.stringify(value)})`;
  if (message.startsWith("Unexpected property")) return "unknown field; remove it or check its spelling";
  return `${message.toLowerCase()}${value === undefined ? "" : ` (got ${JSON.stringify(value)})`}`;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const id = i.path;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
