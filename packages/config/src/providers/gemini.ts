import { Type as T } from "@sinclair/typebox";
import { ApiKey, commonProviderFields } from "./common.js";

export const GEMINI_DEFAULT_BASE = "https://generativelanguage.googleapis.com";

/** Google's Gemini API (generativelanguage). */
export const GeminiProviderSchema = T.Object(
  {
    kind: T.Literal("gemini"),
    api_key: T.Optional(ApiKey),
    ...commonProviderFields,
    api_base: T.Optional(T.String({ pattern: "^https?://", default: GEMINI_DEFAULT_BASE })),
  },
  { additionalProperties: false },
);
