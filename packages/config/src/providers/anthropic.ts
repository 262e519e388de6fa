import { Type as T } from "@sinclair/typebox";
import { ApiKey, commonProviderFields } from "./common.js";

export const ANTHROPIC_DEFAULT_BASE = "https://api.anthropic.com";
export const ANTHROPIC_DEFAULT_VERSION = "2023-06-01";

/** Anthropic's Messages API. */
export const AnthropicProviderSchema = T.Object(
  {
    kind: T.Literal("anthropic"),
    api_key: T.Optional(ApiKey),
    anthropic_version: T.Optional(
      T.String({ minLength: 1, default: ANTHROPIC_DEFAULT_VERSION, description: "the `anthropic-version` header" }),
    ),
    ...commonProviderFields,
    api_base: T.Optional(T.String({ pattern: "^https?://", default: ANTHROPIC_DEFAULT_BASE })),
  },
  { additionalProperties: false },
);
