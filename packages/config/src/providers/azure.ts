import { Type as T } from "@sinclair/typebox";
import { ApiKey, commonProviderFields } from "./common.js";

export const AZURE_DEFAULT_API_VERSION = "2024-10-21";

/**
 * Azure OpenAI: `api_base` is the resource (https://<name>.openai.azure.com); a deployment's
 * `model` is the Azure deployment name. `api_version: v1` uses the v1 OpenAI-compatible endpoint.
 */
export const AzureProviderSchema = T.Object(
  {
    kind: T.Literal("azure"),
    api_key: T.Optional(ApiKey),
    api_version: T.Optional(
      T.String({
        minLength: 1,
        default: AZURE_DEFAULT_API_VERSION,
        description: "Azure's `api-version`; `v1` uses the v1 OpenAI-compatible endpoint",
      }),
    ),
    ...commonProviderFields,
    api_base: T.String({ pattern: "^https?://", description: "the resource endpoint, e.g. https://my-resource.openai.azure.com" }),
  },
  { additionalProperties: false },
);
