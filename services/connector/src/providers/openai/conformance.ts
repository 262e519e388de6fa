import { startFakeOpenAI } from "@switchyard/fake-upstreams";
import type { ConformanceTarget } from "../conformance-target.js";

export const conformance: ConformanceTarget = {
  kind: "openai",
  start: () => startFakeOpenAI({ apiKey: "test-key" }),
  config: (fake) => ({ kind: "openai", name: "openai", api_key: "test-key", api_base: `${fake.url}/v1`, enabled: true }),
  lacks: ["blocked"], // OpenAI's chat API refuses no text under a content policy
};

/** A preset: the same API with the preset's request changes. */
export const conformanceGroq: ConformanceTarget = {
  ...conformance,
  label: "openai (groq preset)",
  config: (fake) => ({ kind: "openai", name: "groq", preset: "groq", api_key: "test-key", api_base: `${fake.url}/v1`, enabled: true }),
};
