import type { DeploymentConfig } from "./resolve.js";

/** A deployment that declares no capabilities is assumed to support whatever is asked. */
export function servesCapabilities(deployment: DeploymentConfig, required: readonly string[]): boolean {
  if (required.length === 0 || deployment.capabilities.length === 0) return true;
  return required.every((c) => deployment.capabilities.includes(c));
}

/** A deployment as the `Deployment` message's fields (for `create(DeploymentSchema, …)` or a plan's attempts). */
export function deploymentMessageOf(d: DeploymentConfig) {
  return {
    id: d.id,
    provider: d.provider,
    model: d.model,
    price: d.price,
    timeoutMs: d.timeout_ms,
    capabilities: d.capabilities,
    contextWindow: d.context_window,
    weight: d.weight,
  };
}
