import { startFakeOpenAI } from "@switchyard/fake-upstreams";
import type { ConformanceTarget } from "../conformance-target.js";

export const conformance: ConformanceTarget = {
  kind: "openai",
  start: () => startFakeOpenAI({ apiKey: "test-key" }),
  config: (fake) => ({ kind: "openai", name: "openai", api_key: "test-key", api_base: `${fake.url}/v1`, enabled: true }),
  lacks: ["blocked"], // OpenAI's chat API refuses no text under a content policy
};
