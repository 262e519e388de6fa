import { startFakeAzure } from "@switchyard/fake-upstreams";
import type { ConformanceTarget } from "../conformance-target.js";

/** Deployment URLs with a dated api-version. */
export const conformance: ConformanceTarget = {
  kind: "azure",
  start: () => startFakeAzure({ apiKey: "test-key" }),
  config: (fake) => ({ kind: "azure", name: "azure", api_key: "test-key", api_base: fake.url, api_version: "2024-10-21", enabled: true }),
  lacks: [],
};

/** The v1 API: the deployment in the body, no api-version. */
export const conformanceV1: ConformanceTarget = {
  ...conformance,
  label: "azure (v1 API)",
  config: (fake) => ({
    kind: "azure",
    name: "azure-v1",
    api_key: "test-key",
    api_base: `${fake.url}/openai/v1`,
    api_version: "v1",
    enabled: true,
  }),
};
