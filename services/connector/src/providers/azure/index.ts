import { AZURE_DEFAULT_API_VERSION, type ProviderConfigOf, providerConfigOf } from "@switchyard/config";
import { createOpenAICompatibleAdapter, type OpenAIEndpoint } from "../openai/index.js";
import type { AdapterFactory } from "../types.js";

/** Azure OpenAI: OpenAI's wire format at Azure's URLs with its `api-key` header. */
export const createAzureAdapter: AdapterFactory = (config) =>
  createOpenAICompatibleAdapter(config, azureEndpoint(providerConfigOf(config, "azure")));

/** `api_version` values that select the v1 API (`/openai/v1/…`, no dated version). */
const V1_VERSIONS = new Set(["v1", "latest", "preview"]);

/**
 * Where an Azure resource serves chat and embeddings. Dated versions use deployment URLs
 * (`/openai/deployments/{deployment}/chat/completions?api-version=…`); `v1` (or `latest`) the v1
 * API, where the deployment goes in the body's `model`; `preview` the v1 API's preview features.
 */
export function azureEndpoint(config: ProviderConfigOf<"azure">): OpenAIEndpoint {
  const version = config.api_version ?? AZURE_DEFAULT_API_VERSION;
  // The resource's endpoint, whether given bare or with the /openai[/v1] path the portal shows.
  const resource = config.api_base.replace(/\/+$/, "").replace(/\/openai(\/v1)?$/, "");
  const headers = { ...config.headers, ...(config.api_key ? { "api-key": config.api_key } : {}) };
  if (V1_VERSIONS.has(version)) {
    return {
      baseUrl: `${resource}/openai/v1`,
      headers,
      chatPath: () => "/chat/completions",
      embeddingsPath: () => "/embeddings",
      ...(version === "preview" ? { query: { "api-version": "preview" } } : {}),
    };
  }
  const deployment = (model: string) => `/${encodeURIComponent(model)}`;
  return {
    baseUrl: `${resource}/openai/deployments`,
    headers,
    query: { "api-version": version },
    chatPath: (model) => `${deployment(model)}/chat/completions`,
    embeddingsPath: (model) => `${deployment(model)}/embeddings`,
  };
}
