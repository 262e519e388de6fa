import { Type as T } from "@sinclair/typebox";
import { ApiKey, commonProviderFields } from "./common.js";

/** The built-in mock: answers from the model name, no network. */
export const MockProviderSchema = T.Object(
  {
    kind: T.Literal("mock", {
      description:
        "the API it speaks: `openai` (and OpenAI-compatible servers), `azure`, `anthropic`, `gemini`, `bedrock`, or `mock` (test models, no network)",
    }),
    api_key: T.Optional(ApiKey),
    ...commonProviderFields,
  },
  { additionalProperties: false },
);
