import type { ProviderKind } from "@switchyard/config";
import { createAzureAdapter } from "./azure/index.js";
import { createMockAdapter } from "./mock/index.js";
import { createOpenAIAdapter } from "./openai/index.js";
import type { AdapterFactory } from "./types.js";

/** Provider kind → adapter. One line per kind; a kind the config knows but this map lacks is refused at start. */
export const adapterFactories: Partial<Record<ProviderKind, AdapterFactory>> = {
  mock: createMockAdapter,
  openai: createOpenAIAdapter,
  azure: createAzureAdapter,
};
