import { Type as T } from "@sinclair/typebox";
import { ApiKey, commonProviderFields } from "./common.js";

export const OPENAI_DEFAULT_BASE = "https://api.openai.com/v1";

/** OpenAI-compatible servers known by name (`preset`): base URL, auth and quirks live in the connector. */
export const OPENAI_PRESETS = [
  "groq",
  "mistral",
  "together",
  "deepseek",
  "fireworks",
  "openrouter",
  "xai",
  "ollama",
  "vllm",
  "lmstudio",
] as const;
export type OpenAIPreset = (typeof OPENAI_PRESETS)[number];

/** OpenAI, or any server speaking its Chat Completions API (`preset`, or `api_base`). */
export const OpenAIProviderSchema = T.Object(
  {
    kind: T.Literal("openai"),
    preset: T.Optional(
      T.Union(
        OPENAI_PRESETS.map((p) => T.Literal(p)),
        { description: "an OpenAI-compatible service by name: its base URL, auth header and quirks" },
      ),
    ),
    api_key: T.Optional(ApiKey),
    ...commonProviderFields,
  },
  { additionalProperties: false },
);
