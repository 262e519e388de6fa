import { type Static, Type as T, type TObject } from "@sinclair/typebox";
import { Int, Maybe, Tagged } from "./keywords.js";

const TextPart = T.Object({ type: T.Literal("text"), text: T.String() }, { additionalProperties: true });
const ImagePart = T.Object(
  {
    type: T.Literal("image_url"),
    image_url: T.Object({ url: T.String({ minLength: 1 }), detail: T.Optional(T.String()) }, { additionalProperties: true }),
  },
  { additionalProperties: true },
);
const AudioPart = T.Object(
  { type: T.Literal("input_audio"), input_audio: T.Object({ data: T.String(), format: T.String() }, { additionalProperties: true }) },
  { additionalProperties: true },
);
const FilePart = T.Object(
  {
    type: T.Literal("file"),
    file: T.Object(
      { file_data: T.Optional(T.String()), file_id: T.Optional(T.String()), filename: T.Optional(T.String()) },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);
const RefusalPart = T.Object({ type: T.Literal("refusal"), refusal: T.String() }, { additionalProperties: true });

const UNKNOWN_PART = "content parts of type '%s' are not supported here";
/** Content: a string or parts of the given kinds (each checked by its `type`). */
const Content = <V extends TObject[]>(parts: [...V]) => T.Union([T.String(), T.Array(Tagged("type", parts, { unknown: UNKNOWN_PART }))]);

const ToolCall = T.Object(
  {
    id: T.String(),
    type: T.String(),
    function: T.Object({ name: T.String(), arguments: T.String() }, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

const Name = { name: T.Optional(T.String()) };

/** One chat message: its role decides which content and fields it needs. */
export const ChatMessageSchema = Tagged("role", [
  T.Object({ role: T.Literal("system"), content: Content([TextPart]), ...Name }, { additionalProperties: true }),
  T.Object({ role: T.Literal("developer"), content: Content([TextPart]), ...Name }, { additionalProperties: true }),
  T.Object(
    { role: T.Literal("user"), content: Content([TextPart, ImagePart, AudioPart, FilePart]), ...Name },
    { additionalProperties: true },
  ),
  T.Object(
    {
      role: T.Literal("assistant"),
      content: Maybe(Content([TextPart, RefusalPart])),
      refusal: Maybe(T.String()),
      tool_calls: Maybe(T.Array(ToolCall)),
      ...Name,
    },
    { additionalProperties: true },
  ),
  T.Object({ role: T.Literal("tool"), content: Content([TextPart]), tool_call_id: T.String() }, { additionalProperties: true }),
  T.Object({ role: T.Literal("function"), content: Maybe(T.String()), name: T.String() }, { additionalProperties: true }),
]);

const FunctionTool = T.Object(
  {
    type: T.Literal("function"),
    function: T.Object(
      {
        name: T.String({ minLength: 1 }),
        description: T.Optional(T.String()),
        parameters: T.Optional(T.Object({}, { additionalProperties: true })),
        strict: Maybe(T.Boolean()),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);
const CustomTool = T.Object(
  { type: T.Literal("custom"), custom: T.Object({ name: T.String({ minLength: 1 }) }, { additionalProperties: true }) },
  { additionalProperties: true },
);
const Tool = Tagged("type", [FunctionTool, CustomTool], { unknown: "tools of type '%s' are not supported (function and custom are)" });

const ResponseFormat = Tagged("type", [
  T.Object({ type: T.Literal("text") }, { additionalProperties: true }),
  T.Object({ type: T.Literal("json_object") }, { additionalProperties: true }),
  T.Object(
    { type: T.Literal("json_schema"), json_schema: T.Object({ name: T.String() }, { additionalProperties: true }) },
    { additionalProperties: true },
  ),
]);

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
    max_tokens: Maybe(Int({ minimum: 1 })),
    max_completion_tokens: Maybe(Int({ minimum: 1 })),
    stop: Maybe(T.Union([T.String(), T.Array(T.String(), { maxItems: 4 })])),
    seed: Maybe(Int()),
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
    response_format: Maybe(ResponseFormat),
  },
  { additionalProperties: true },
);

export type ChatCompletionRequest = Static<typeof ChatCompletionRequestSchema>;
export type ChatMessage = Static<typeof ChatMessageSchema>;
