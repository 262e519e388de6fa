export { startConnectorServer, createAdapter } from "./server.js";
export type { ConnectorServer, ConnectorServerOptions } from "./server.js";
export { createGenerateHandler } from "./generate-handler.js";
export { selectProvider } from "./select-provider.js";
export { adapterFactories } from "./providers/registry.js";
export { translationSamples } from "./providers/translation-samples.js";
export type {
  ProviderCall,
  RateLimitInfo,
  TranslationSample,
  AdapterFactory,
  ProviderAdapter,
  ChatRequestJson,
  ChatCompletionJson,
  ChatChunkJson,
  EmbeddingsRequestJson,
  EmbeddingsResponseJson,
} from "./providers/types.js";
