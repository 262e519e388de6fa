/** True when `model` is one of `patterns`: exact names, or globs where `*` is any run of characters and `?` one. */
export function modelAllowed(patterns: readonly string[], model: string): boolean {
  return (
    patterns.length === 0 ||
    patterns.some((pattern) => (pattern.includes("*") || pattern.includes("?") ? globRegExp(pattern).test(model) : pattern === model))
  );
}

/** The configured models the patterns allow, in config order; empty patterns allow every model (empty list). */
export function expandModels(patterns: readonly string[], models: readonly string[]): string[] {
  if (patterns.length === 0) return [];
  const allowed = models.filter((model) => modelAllowed(patterns, model));
  // A key whose patterns match no configured model must still list as restricted, not as "all".
  return allowed.length > 0 ? allowed : [...patterns];
}

const compiled = new Map<string, RegExp>();

function globRegExp(pattern: string): RegExp {
  let regexp = compiled.get(pattern);
  if (!regexp) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replaceAll("*", ".*")
      .replaceAll("?", ".");
    regexp = new RegExp(`^${source}$`);
    compiled.set(pattern, regexp);
  }
  return regexp;
}
