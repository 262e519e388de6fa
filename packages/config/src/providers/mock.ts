import { Type as T } from "@sinclair/typebox";
import { ApiKey, commonProviderFields } from "./common.js";

/** The built-in mock: answers from the model name, no network. */
export const MockProviderSchema = T.Object(
  { kind: T.Literal("mock"), api_key: T.Optional(ApiKey), ...commonProviderFields },
  { additionalProperties: false },
);
