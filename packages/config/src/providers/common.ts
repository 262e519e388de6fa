import { Type as T } from "@sinclair/typebox";

/** Fields every provider kind accepts. */
export const commonProviderFields = {
  api_base: T.Optional(
    T.String({
      pattern: "^https?://",
      description: "origin and base path of the provider's API, e.g. `http://gpu-box:8000/v1`; unset: the kind's (or preset's) public one",
    }),
  ),
  headers: T.Optional(T.Record(T.String(), T.String(), { description: "static headers sent on every upstream request" })),
  timeout_ms: T.Optional(T.Integer({ minimum: 1, description: "attempt deadline for its deployments that set none; unset: the model's" })),
};

export const ApiKey = T.String({ description: "usually ${SOME_API_KEY}: the provider is switched off while the variable is unset" });
