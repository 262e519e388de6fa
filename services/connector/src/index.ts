export { createGenerateHandler } from "./generate-handler.js";
export { adapterFactories } from "./providers/registry.js";
export { translationSamples } from "./providers/translation-samples.js";
export type {
  AdapterFactory,
  ChatChunkJson,
  ChatCompletionJson,
  ChatRequestJson,
  EmbeddingsRequestJson,
  EmbeddingsResponseJson,
  ProviderAdapter,
  ProviderCall,
  RateLimitInfo,
  TranslationSample,
} from "./providers/types.js";
export { selectProvider } from "./select-provider.js";
export type { ConnectorServer, ConnectorServerOptions } from "./server.js";
export { createAdapter, startConnectorServer } from "./server.js";
