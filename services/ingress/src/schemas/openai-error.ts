import { Type as T } from "@sinclair/typebox";

export const OpenAIErrorSchema = T.Object({
  error: T.Object({
    message: T.String(),
    type: T.String(),
    param: T.Union([T.String(), T.Null()]),
    code: T.String(),
  }),
});
