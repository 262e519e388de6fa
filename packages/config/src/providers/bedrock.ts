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
    access_key_id: T.Optional(
      T.String({ description: "with `secret_access_key` (and `session_token`); unset: the AWS default chain (env, profile, IMDS)" }),
    ),
    secret_access_key: T.Optional(T.String({ description: "usually `${AWS_SECRET_ACCESS_KEY}`" })),
    session_token: T.Optional(T.String({ description: "for temporary credentials" })),
    profile: T.Optional(T.String({ description: "a profile of the shared AWS config files, for the default chain" })),
    ...commonProviderFields,
  },
  { additionalProperties: false },
);
