import { Type as T } from "@sinclair/typebox";
import { commonProviderFields } from "./common.js";

/**
 * Amazon Bedrock (Converse API). Without access_key_id/secret_access_key the AWS default chain
 * applies (environment, profile, instance metadata); `api_base` overrides the regional endpoint.
 */
export const BedrockProviderSchema = T.Object(
  {
    kind: T.Literal("bedrock"),
    region: T.Optional(T.String({ minLength: 1, description: "e.g. us-east-1; else AWS_REGION" })),
    access_key_id: T.Optional(T.String()),
    secret_access_key: T.Optional(T.String()),
    session_token: T.Optional(T.String()),
    profile: T.Optional(T.String()),
    ...commonProviderFields,
  },
  { additionalProperties: false },
);
