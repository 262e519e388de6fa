/** A `${VAR}` that had no value in the environment, and where it was. */
export interface MissingVariable {
  path: string[];
  variable: string;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree. Unset variables
 * are reported with their path (the caller decides whether that disables a provider or is an error)
 * and their reference is left empty.
 */
export function interpolate(
  node: unknown,
  env: Record<string, string | undefined>,
  missing: MissingVariable[] = [],
  path: string[] = [],
): unknown {
  if (typeof node === "string") {
    return node.replace(REFERENCE, (_match, variable: string, fallback: string | undefined) => {
      const value = env[variable];
      if (value !== undefined && value !== "") return value;
      if (fallback !== undefined) return fallback;
      missing.push({ path, variable });
      return "";
    });
  }
  if (Array.isArray(node)) return node.map((item, i) => interpolate(item, env, missing, [...path, String(i)]));
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolate(value, env, missing, [...path, key])]));
  }
  return node;
}
