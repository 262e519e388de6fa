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

export function loadConfig(path: string, env: Record<string, string | undefined> = process.env): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(error);
    throw new ConfigError(path, [{ path: "", message: `${reason}; set SWITCHYARD_CONFIG to the config file's path` }]);
  }
  return parseConfig(text, path, env);
}
