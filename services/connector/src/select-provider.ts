import { ConfigError, type GatewayConfig, type ProviderConfig } from "@switchyard/config";

/** The provider this connector serves, or a ConfigError that names it and the choices. */
export function selectProvider(config: GatewayConfig, name: string | undefined): ProviderConfig {
  const known = Object.keys(config.providers);
  const choices = known.length > 0 ? known.join(", ") : "none";
  if (!name) {
    throw new ConfigError("environment", [
      { path: "PROVIDER", message: `not set; set it to the provider this connector serves (known in ${config.source}: ${choices})` },
    ]);
  }
  const provider = config.providers[name];
  if (!provider) {
    throw new ConfigError(config.source, [{ path: "PROVIDER", message: `unknown provider "${name}"; known: ${choices}` }]);
  }
  if (!provider.enabled) {
    throw new ConfigError(config.source, [
      { path: `providers.${name}`, message: `provider "${name}" is disabled: ${provider.disabled_reason ?? "no reason given"}` },
    ]);
  }
  return provider;
}

/** The providers of a connector group: `PROVIDERS` (comma-separated) or the single `PROVIDER`. */
export function selectProviders(config: GatewayConfig, names: string | undefined, single: string | undefined): ProviderConfig[] {
  const list = (names ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  if (list.length === 0) return [selectProvider(config, single)];
  return [...new Set(list)].map((name) => selectProvider(config, name));
}
