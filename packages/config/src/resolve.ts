import { createHash } from "node:crypto";
import { Value } from "@sinclair/typebox/value";
import { type ConfigIssue, formatPath } from "./errors.js";
import type { MissingVariable } from "./interpolate.js";
import { type RoutingConfig, resolveRouting, routingIssues } from "./routing.js";
import { withProviderErrors } from "./provider-config.js";
import {
  type ConfigFile,
  ConfigFileSchema,
  type Operation,
  type ProviderFile,
  type Role,
} from "./schema.js";

/** What resolving adds to every provider's own fields. */
export interface ProviderResolved {
  name: string;
  /** False when a secret it needs is missing from the environment; its deployments are dropped. */
  enabled: boolean;
  disabled_reason?: string;
}

/** A provider as configured: its kind's fields (see `providers/`) plus the resolved ones. */
export type ProviderConfig = ProviderFile & ProviderResolved;

export interface DeploymentConfig {
  id: string;
  provider: string;
  model: string;
  price: { input: number; output: number };
  weight: number;
  capabilities: string[];
  context_window: number;
  timeout_ms: number;
}

export interface ModelConfig extends RoutingConfig {
  name: string;
  timeout_ms: number;
  operations: Operation[];
  /** Only deployments whose provider is enabled, in config order. */
  deployments: DeploymentConfig[];
}

export interface KeyConfig {
  name: string;
  key_sha256: string;
  role: Role;
  /** Empty means every model. */
  models: string[];
  team: string;
}

export interface GatewayConfig {
  source: string;
  providers: Record<string, ProviderConfig>;
  models: Record<string, ModelConfig>;
  keys: KeyConfig[];
  cache: { enabled: boolean; ttl_s: number; max_entry_bytes: number; index_max_entries: number };
  limits: { max_request_bytes: number };
  streaming: { heartbeat_ms: number };
}

export const DEFAULT_MODEL_TIMEOUT_MS = 60_000;

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
  const file = tree as ConfigFile;

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
    const timeout = model.timeout_ms ?? DEFAULT_MODEL_TIMEOUT_MS;
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
        id: count === 0 ? base : `${base}#${count}`,
        provider: d.provider,
        model: d.model,
        price: d.price ?? { input: 0, output: 0 },
        weight: d.weight ?? 1,
        capabilities: d.capabilities ?? [],
        context_window: d.context_window ?? 0,
        timeout_ms: d.timeout_ms ?? provider.timeout_ms ?? timeout,
      });
    });
    issues.push(...routingIssues(name, model, model.deployments, new Set(Object.keys(file.models))));
    if (deployments.length === 0) continue; // every provider of this model lacks its secret
    models[name] = {
      name,
      ...resolveRouting(model),
      timeout_ms: timeout,
      operations: model.operations ?? ["chat"],
      deployments,
    };
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
    keys.push({
      name: k.name,
      key_sha256: k.key_sha256 ?? sha256Hex(k.key!),
      role: k.role ?? "user",
      models: k.models ?? [],
      team: k.team ?? "",
    });
  });

  if (issues.length > 0) return { issues };
  return {
    issues,
    config: {
      source,
      providers,
      models,
      keys,
      cache: {
        enabled: file.cache?.enabled ?? true,
        ttl_s: file.cache?.ttl_s ?? 3600,
        max_entry_bytes: file.cache?.max_entry_bytes ?? 1024 * 1024,
        index_max_entries: file.cache?.index_max_entries ?? 1_000_000,
      },
      limits: { max_request_bytes: file.limits?.max_request_bytes ?? 16 * 1024 * 1024 },
      streaming: { heartbeat_ms: file.streaming?.heartbeat_ms ?? 15_000 },
    },
  };
}

function explain(message: string, value: unknown, schema: { anyOf?: { const?: unknown }[]; const?: unknown }): string {
  const choices = schema.const !== undefined ? [schema.const] : schema.anyOf?.map((s) => s.const).filter((c) => c !== undefined);
  if (choices && choices.length > 0) return `must be one of ${choices.map((c) => JSON.stringify(c)).join(", ")} (got ${JSON.stringify(value)})`;
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
