import type { TSchema } from "@sinclair/typebox";
import { Value, type ValueError, ValueErrorType } from "@sinclair/typebox/value";
import { providerSchemas } from "./providers/index.js";
import type { ProviderConfig } from "./resolve.js";
import { PROVIDER_KINDS, type ProviderKind } from "./schema.js";

/** A provider config of one kind: that kind's fields plus the resolved ones. */
export type ProviderConfigOf<K extends ProviderKind> = Extract<ProviderConfig, { kind: K }>;

/** `config` as its kind's config, for an adapter factory; throws when it is of another kind. */
export function providerConfigOf<K extends ProviderKind>(config: ProviderConfig, kind: K): ProviderConfigOf<K> {
  if (config.kind !== kind) throw new Error(`provider "${config.name}" is of kind ${config.kind}, not ${kind}`);
  return config as ProviderConfigOf<K>;
}

/**
 * The schema's errors with each provider's "expected union value" replaced by what is wrong
 * against its own kind's schema (or by the list of kinds when `kind` is unknown).
 */
export function withProviderErrors(errors: Iterable<ValueError>): ValueError[] {
  return [...errors].flatMap((error) => {
    const at = /^\/providers\/[^/]+$/.exec(error.path);
    if (!at || error.type !== ValueErrorType.Union) return [error];
    const value = error.value as { kind?: unknown } | null;
    const kind = typeof value === "object" && value !== null ? value.kind : undefined;
    if (typeof kind !== "string" || !Object.hasOwn(providerSchemas, kind)) {
      const kinds = { anyOf: PROVIDER_KINDS.map((k) => ({ const: k })) } as unknown as TSchema;
      return [{ ...error, path: `${error.path}/kind`, value: kind, schema: kinds }];
    }
    const schema = providerSchemas[kind as ProviderKind];
    return [...Value.Errors(schema, value)].map((inner) => ({ ...inner, path: `${error.path}${inner.path}` }));
  });
}
