/**
 * A deny or allow rule as written in the config: a JavaScript regular expression, where a
 * leading `(?i)` (the inline flag other engines take, and config authors write) ignores case.
 */
export function compilePattern(source: string): RegExp {
  const inline = /^\(\?([a-z]+)\)/.exec(source);
  if (!inline) return new RegExp(source, "u");
  const flags = inline[1]!;
  const unknown = [...flags].filter((f) => f !== "i" && f !== "m" && f !== "s");
  if (unknown.length > 0)
    throw new SyntaxError(`unsupported inline flag "${unknown.join("")}" in ${JSON.stringify(source)} (only i, m, s)`);
  return new RegExp(source.slice(inline[0].length), `u${flags}`);
}
