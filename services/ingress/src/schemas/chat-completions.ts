import { type Static, type TSchema, Type as T } from "@sinclair/typebox";

/** Optional and nullable: OpenAI accepts `null` for most optional fields and some clients send it. */
const Maybe = <S extends TSchema>(schema: S) => T.Optional(T.Union([schema, T.Null()]));

const ContentPart = T.Object(
  {
    type: T.String({ minLength: 1 }),
    text: T.Optional(T.String()),
    image_url: T.Optional(
      T.Object({ url: T.String({ minLength: 1 }), detail: T.Optional(T.String()) }, { additionalProperties: true }),
    ),
    input_audio: T.Optional(T.Object({ data: T.String(), format: T.String() }, { additionalProperties: true })),
  },
  { additionalProperties: true },
);

const ToolCall = T.Object(
  {
    id: T.String(),
    type: T.String(),
    function: T.Object({ name: T.String(), arguments: T.String() }, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

export const ChatMessageSchema = T.Object(
  {
    role: T.Union(["system", "developer", "user", "assistant", "tool", "function"].map((r) => T.Literal(r))),
    content: Maybe(T.Union([T.String(), T.Array(ContentPart)])),
    name: T.Optional(T.String()),
    tool_calls: T.Optional(T.Array(ToolCall)),
    tool_call_id: T.Optional(T.String()),
  },
  { additionalProperties: true },
);

const Tool = T.Object(
  {
    type: T.String(),
    function: T.Optional(
      T.Object(
        {
          name: T.String({ minLength: 1 }),
          description: T.Optional(T.String()),
          parameters: T.Optional(T.Object({}, { additionalProperties: true })),
          strict: Maybe(T.Boolean()),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

/**
 * The OpenAI Chat Completions request. Known fields are typed strictly (a wrong type is a 400
 * naming the field); unknown vendor fields are allowed and passed to the provider untouched.
 */
export const ChatCompletionRequestSchema = T.Object(
  {
    model: T.String({ minLength: 1 }),
    messages: T.Array(ChatMessageSchema, { minItems: 1 }),
    stream: Maybe(T.Boolean()),
    stream_options: Maybe(T.Object({ include_usage: T.Optional(T.Boolean()) }, { additionalProperties: true })),
    temperature: Maybe(T.Number({ minimum: 0, maximum: 2 })),
    top_p: Maybe(T.Number({ minimum: 0, maximum: 1 })),
    n: Maybe(T.Integer({ minimum: 1, maximum: 128 })),
    max_tokens: Maybe(T.Integer({ minimum: 1 })),
    max_completion_tokens: Maybe(T.Integer({ minimum: 1 })),
    stop: Maybe(T.Union([T.String(), T.Array(T.String(), { maxItems: 4 })])),
    seed: Maybe(T.Integer()),
    presence_penalty: Maybe(T.Number({ minimum: -2, maximum: 2 })),
    frequency_penalty: Maybe(T.Number({ minimum: -2, maximum: 2 })),
    logprobs: Maybe(T.Boolean()),
    top_logprobs: Maybe(T.Integer({ minimum: 0, maximum: 20 })),
    logit_bias: Maybe(T.Record(T.String(), T.Number())),
    user: Maybe(T.String()),
    metadata: Maybe(T.Record(T.String(), T.String())),
    tools: Maybe(T.Array(Tool)),
    tool_choice: Maybe(T.Union([T.String(), T.Object({ type: T.String() }, { additionalProperties: true })])),
    parallel_tool_calls: Maybe(T.Boolean()),
    response_format: Maybe(
      T.Object(
        {
          type: T.Union([T.Literal("text"), T.Literal("json_object"), T.Literal("json_schema")]),
          json_schema: T.Optional(T.Object({ name: T.String() }, { additionalProperties: true })),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

export type ChatCompletionRequest = Static<typeof ChatCompletionRequestSchema>;
export type ChatMessage = Static<typeof ChatMessageSchema>;
