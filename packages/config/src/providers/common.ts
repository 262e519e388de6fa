import { Type as T } from "@sinclair/typebox";

/** Fields every provider kind accepts. */
export const commonProviderFields = {
  api_base: T.Optional(T.String({ pattern: "^https?://", description: "origin and base path of the provider's API" })),
  headers: T.Optional(T.Record(T.String(), T.String(), { description: "static headers sent on every request" })),
  timeout_ms: T.Optional(T.Integer({ minimum: 1 })),
};

export const ApiKey = T.String({ description: "usually ${SOME_API_KEY}: the provider is switched off while the variable is unset" });
