import { type Static, Type as T } from "@sinclair/typebox";

const Tokens = T.Array(T.Integer({ minimum: 0 }), { minItems: 1 });

/** The OpenAI Embeddings request; vendor fields pass through. */
export const EmbeddingsRequestSchema = T.Object(
  {
    model: T.String({ minLength: 1 }),
    input: T.Union([
      T.String(),
      T.Array(T.String(), { minItems: 1, maxItems: 2048 }),
      Tokens,
      T.Array(Tokens, { minItems: 1, maxItems: 2048 }),
    ]),
    encoding_format: T.Optional(T.Union([T.Literal("float"), T.Literal("base64")])),
    dimensions: T.Optional(T.Integer({ minimum: 1 })),
    user: T.Optional(T.String()),
  },
  { additionalProperties: true },
);

export type EmbeddingsRequest = Static<typeof EmbeddingsRequestSchema>;
