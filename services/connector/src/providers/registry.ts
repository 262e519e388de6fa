import type { ProviderKind } from "@switchyard/config";
import { createMockAdapter } from "./mock/index.js";
import { createOpenAIAdapter } from "./openai/index.js";
import type { AdapterFactory } from "./types.js";

/** Provider kind → adapter. One line per provider; the config's kind list and this map must agree. */
export const adapterFactories: Record<ProviderKind, AdapterFactory> = {
  mock: createMockAdapter,
  openai: createOpenAIAdapter,
};
