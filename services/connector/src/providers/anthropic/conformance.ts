import { startFakeAnthropic } from "@switchyard/fake-upstreams";
import type { ConformanceTarget } from "../conformance-target.js";

export const conformance: ConformanceTarget = {
  kind: "anthropic",
  start: () => startFakeAnthropic({ apiKey: "test-key" }),
  config: (fake) => ({ kind: "anthropic", name: "anthropic", api_key: "test-key", api_base: fake.url, enabled: true }),
  lacks: ["embeddings"], // Anthropic has no embeddings API
};
