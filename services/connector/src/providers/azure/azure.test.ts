import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ProviderConfigOf } from "@switchyard/config";
import { azureEndpoint } from "./index.js";

const config = (extra: Partial<ProviderConfigOf<"azure">> = {}): ProviderConfigOf<"azure"> => ({
  kind: "azure",
  name: "azure",
  enabled: true,
  api_base: "https://my-resource.openai.azure.com",
  api_key: "k",
  ...extra,
});

describe("azure endpoint", () => {
  it("uses deployment URLs with the dated api-version (2024-10-21 unless given)", () => {
    const endpoint = azureEndpoint(config());
    assert.equal(endpoint.baseUrl, "https://my-resource.openai.azure.com/openai/deployments");
    assert.equal(endpoint.chatPath("gpt 4o"), "/gpt%204o/chat/completions");
    assert.equal(endpoint.embeddingsPath("emb"), "/emb/embeddings");
    assert.deepEqual(endpoint.query, { "api-version": "2024-10-21" });
    assert.deepEqual(endpoint.headers, { "api-key": "k" });
    assert.deepEqual(azureEndpoint(config({ api_version: "2025-04-01-preview" })).query, { "api-version": "2025-04-01-preview" });
  });

  it("uses the v1 API for v1, latest and preview, whatever path api_base ends in", () => {
    for (const api_base of [
      "https://r.openai.azure.com",
      "https://r.openai.azure.com/",
      "https://r.openai.azure.com/openai",
      "https://r.openai.azure.com/openai/v1/",
    ]) {
      const endpoint = azureEndpoint(config({ api_base, api_version: "v1" }));
      assert.equal(endpoint.baseUrl, "https://r.openai.azure.com/openai/v1", api_base);
      assert.equal(endpoint.chatPath("dep"), "/chat/completions");
      assert.equal(endpoint.query, undefined);
    }
    assert.deepEqual(azureEndpoint(config({ api_version: "preview" })).query, { "api-version": "preview" });
  });

  it("keeps configured headers and sends no key header without a key", () => {
    assert.deepEqual(azureEndpoint(config({ api_key: undefined, headers: { "x-ms-client": "gw" } })).headers, { "x-ms-client": "gw" });
  });
});
