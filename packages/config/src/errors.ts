/** One problem in the config, with the field it concerns and how to fix it. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`invalid config ${source}:\n${issues.map((i) => `  - ${i.path || "(root)"}: ${i.message}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** `["models", "smart", "deployments", "0", "provider"]` → `models.smart.deployments[0].provider`. */
export function formatPath(segments: readonly string[]): string {
  return segments.reduce((out, segment) => (/^\d+$/.test(segment) ? `${out}[${segment}]` : out ? `${out}.${segment}` : segment), "");
}
