import { type Static, Type as T } from "@sinclair/typebox";
import { AnthropicProviderSchema } from "./anthropic.js";
import { AzureProviderSchema } from "./azure.js";
import { BedrockProviderSchema } from "./bedrock.js";
import { GeminiProviderSchema } from "./gemini.js";
import { MockProviderSchema } from "./mock.js";
import { OpenAIProviderSchema } from "./openai.js";

/** One schema per provider kind, told apart by `kind`. One line per kind. */
export const providerSchemas = {
  mock: MockProviderSchema,
  openai: OpenAIProviderSchema,
  azure: AzureProviderSchema,
  anthropic: AnthropicProviderSchema,
  gemini: GeminiProviderSchema,
  bedrock: BedrockProviderSchema,
} as const;

export const AnyProviderSchema = T.Union([
  MockProviderSchema,
  OpenAIProviderSchema,
  AzureProviderSchema,
  AnthropicProviderSchema,
  GeminiProviderSchema,
  BedrockProviderSchema,
]);

export * from "./anthropic.js";
export * from "./azure.js";
export * from "./bedrock.js";
export * from "./gemini.js";
export * from "./mock.js";
export * from "./openai.js";

export type ProviderFileOf<K extends keyof typeof providerSchemas> = Static<(typeof providerSchemas)[K]>;
