import { startFakeBedrock } from "@switchyard/fake-upstreams";
import type { ConformanceTarget } from "../conformance-target.js";

export const conformance: ConformanceTarget = {
  kind: "bedrock",
  start: () => startFakeBedrock({ accessKeyId: "AKIDTESTBEDROCK", secretAccessKey: "test-secret" }),
  config: (fake) => ({
    kind: "bedrock",
    name: "bedrock",
    region: "us-east-1",
    access_key_id: "AKIDTESTBEDROCK",
    secret_access_key: "test-secret",
    api_base: fake.url,
    enabled: true,
  }),
  // Bedrock sends no rate-limit headers. Its embeddings come from Titan and Cohere model ids,
  // not the chat models the suite names: bedrock/adapter.test.ts covers them.
  lacks: ["rate-limits", "embeddings"],
};
