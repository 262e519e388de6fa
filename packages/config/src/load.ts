import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { ConfigError } from "./errors.js";
import { interpolate, type MissingVariable } from "./interpolate.js";
import { type GatewayConfig, resolveConfig } from "./resolve.js";

/** Parses YAML text into a validated config, or throws a ConfigError naming each bad field. */
export function parseConfig(text: string, source: string, env: Record<string, string | undefined> = process.env): GatewayConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((e) => ({ path: `line ${e.linePos?.[0]?.line ?? "?"}`, message: e.message.split("\n")[0] ?? e.message })),
    );
  }
  const missing: MissingVariable[] = [];
  const tree = interpolate(document.toJS() ?? {}, env, missing);
  const { config, issues } = resolveConfig(tree, missing, source);
  if (!config) throw new ConfigError(source, issues);
  return config;
}

export interface LoadOptions {
  /**
   * Leave the `keys` list out. Only policy uses keys (the ingress asks it); with 100,000 of them the list
   * is nearly all of the file, and parsing it cost every other service seconds and ~700 MB.
   */
  withoutKeys?: boolean;
}

export function loadConfig(path: string, env: Record<string, string | undefined> = process.env, options: LoadOptions = {}): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(error);
    throw new ConfigError(path, [{ path: "", message: `${reason}; set SWITCHYARD_CONFIG to the config file's path` }]);
  }
  if (options.withoutKeys) {
    const lighter = withoutTopLevelSection(text, "keys");
    if (lighter !== text) {
      try {
        return parseConfig(lighter, path, env);
      } catch {
        // Something outside the list needed it (an alias to an anchor in it, say): read it all,
        // so any error is reported against the real file.
      }
    }
  }
  return parseConfig(text, path, env);
}

/**
 * The text with a top-level block-style section's value replaced by an empty list. The lines are
 * kept (blank), so errors elsewhere still name the right line. A file that does not write the
 * section at the start of a line (flow style) comes back unchanged.
 */
export function withoutTopLevelSection(text: string, name: string): string {
  const lines = text.split("\n");
  const header = new RegExp(`^${name}\\s*:`);
  const start = lines.findIndex((line) => header.test(line));
  if (start < 0) return text;
  // The section goes on while lines are indented, blank, comments, or sequence items at column 0
  // ("- …", which YAML allows under a key); the next top-level key or document marker ends it.
  let end = start + 1;
  while (end < lines.length && !/^(?!- |-$)[^\s#]/.test(lines[end]!)) end++;
  return [...lines.slice(0, start), `${name}: []`, ...lines.slice(start + 1, end).map(() => ""), ...lines.slice(end)].join("\n");
}
