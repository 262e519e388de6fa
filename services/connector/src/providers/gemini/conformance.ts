import { startFakeGemini } from "@switchyard/fake-upstreams";
import type { ConformanceTarget } from "../conformance-target.js";

export const conformance: ConformanceTarget = {
  kind: "gemini",
  start: () => startFakeGemini({ apiKey: "test-key" }),
  config: (fake) => ({ kind: "gemini", name: "gemini", api_key: "test-key", api_base: fake.url, enabled: true }),
  // Gemini sends each function call whole (partialArgs is Vertex-only) and no rate-limit headers.
  lacks: ["streamed-tool-arguments", "rate-limits"],
};
