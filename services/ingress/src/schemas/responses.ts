import { Type as T, type TObject } from "@sinclair/typebox";
import { AnyObject, CheckedFirst, Int, Maybe, NonEmptyString, Refused, Reject, StringEnum, Tagged } from "./keywords.js";

/*
 * The OpenAI Responses request (`POST /v1/responses`, the stateless subset) as the gateway accepts
 * it. Features that need server-side state or OpenAI-hosted tools are refused by name; other
 * unknown fields (`include`, `truncation`, `service_tier`, …) pass. Properties are listed in the
 * order problems are reported (Ajv stops at the first).
 */

const InputText = T.Object({ type: T.Literal("input_text"), text: T.String() });
const OutputText = T.Object({ type: T.Literal("output_text"), text: T.String() });
const Refusal = T.Object({ type: T.Literal("refusal"), refusal: T.String() });
const InputImage = CheckedFirst(
  T.Object({ file_id: T.Optional(Reject("file ids are not supported by this gateway; send image_url (a URL or a data URL)")) }),
  T.Object({ type: T.Literal("input_image"), image_url: NonEmptyString(), detail: Maybe(StringEnum(["low", "high", "auto", "original"])) }),
);
const InputFile = CheckedFirst(
  T.Object({
    file_id: T.Optional(Reject("file_id is not supported by this gateway; send file_data (a data URL)")),
    file_url: T.Optional(Reject("file_url is not supported by this gateway; send file_data (a data URL)")),
  }),
  T.Object({ type: T.Literal("input_file"), file_data: NonEmptyString(), filename: Maybe(T.String()) }),
);

const PARTS: Record<string, TObject> = {
  input_text: InputText,
  input_image: InputImage,
  input_file: InputFile,
  output_text: OutputText,
  refusal: Refusal,
};

/** Content parts of the given types; the other known types are refused as "not accepted here". */
function Parts(accepted: readonly string[]) {
  const list = accepted.map((a) => `'${a}'`).join(", ");
  return T.Array(
    Tagged(
      "type",
      Object.entries(PARTS).map(([type, schema]) =>
        accepted.includes(type) ? schema : Refused("type", type, `'%s' is not accepted here (${list} are)`),
      ),
      { unknown: "content of type '%s' is not supported by this gateway" },
    ),
  );
}

const Content = (accepted: readonly string[]) => T.Union([T.String(), Parts(accepted)]);

const MessageByRole = Tagged("role", [
  T.Object({ role: T.Literal("user"), content: Content(["input_text", "input_image", "input_file"]) }),
  T.Object({ role: T.Literal("assistant"), content: Content(["output_text", "refusal", "input_text"]) }),
  T.Object({ role: T.Literal("system"), content: Content(["input_text"]) }),
  T.Object({ role: T.Literal("developer"), content: Content(["input_text"]) }),
]);

const ItemByType = Tagged(
  "type",
  [
    T.Object({ type: T.Literal("message") }, { allOf: [MessageByRole] }),
    T.Object({ type: T.Literal("function_call"), call_id: NonEmptyString(), name: NonEmptyString(), arguments: T.String() }),
    T.Object({
      type: T.Literal("function_call_output"),
      call_id: NonEmptyString(),
      output: Content(["input_text", "input_image", "input_file"]),
    }),
    // Encrypted or summarised reasoning of another model: accepted and dropped by the translation.
    T.Object({ type: T.Literal("reasoning") }),
    Refused("type", "item_reference", "item references need stored responses, which this gateway does not keep"),
  ],
  { unknown: "input items of type '%s' are not supported by this gateway" },
);

/** An input item: tagged by `type`, or a message when it has none. */
const Item = T.Unsafe({
  type: "object",
  if: { properties: { type: { type: "string" } }, required: ["type"] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, never awaited
  then: ItemByType,
  else: { properties: { type: { type: ["string", "null"] } }, allOf: [MessageByRole] },
});

const Tool = CheckedFirst(
  T.Object({
    type: T.Union([
      T.Literal("function"),
      T.String({ "x-reject": "built-in tool '%s' is not supported by this gateway; only function tools are" }),
    ]),
  }),
  T.Object({
    type: T.String(),
    name: NonEmptyString(),
    description: Maybe(T.String()),
    parameters: Maybe(AnyObject()),
    strict: Maybe(T.Boolean()),
  }),
);

const ToolChoice = T.Union([
  CheckedFirst(
    T.Object({
      type: T.Union([
        T.Literal("function"),
        T.String({ "x-reject": "tool_choice of type '%s' is not supported by this gateway; use 'function'" }),
      ]),
    }),
    T.Object({ type: T.String(), name: NonEmptyString() }),
  ),
  StringEnum(["none", "auto", "required"]),
]);

const TextConfig = T.Object({
  verbosity: Maybe(StringEnum(["low", "medium", "high"])),
  format: Maybe(
    Tagged("type", [
      T.Object({ type: T.Literal("text") }),
      T.Object({ type: T.Literal("json_object") }),
      T.Object({
        type: T.Literal("json_schema"),
        name: NonEmptyString(),
        schema: AnyObject(),
        description: Maybe(T.String()),
        strict: Maybe(T.Boolean()),
      }),
    ]),
  ),
});

const STATELESS = "this gateway does not store responses or prompts; send the whole conversation as input";

export const ResponsesRequestSchema = T.Object({
  model: NonEmptyString(),
  input: T.Union([T.String(), T.Array(Item, { minItems: 1 })]),
  instructions: Maybe(T.String()),
  max_output_tokens: Maybe(Int({ minimum: 1 })),
  temperature: Maybe(T.Number({ minimum: 0, maximum: 2 })),
  top_p: Maybe(T.Number({ minimum: 0, maximum: 1 })),
  stream: Maybe(T.Boolean()),
  store: Maybe(T.Boolean()),
  parallel_tool_calls: Maybe(T.Boolean()),
  user: Maybe(T.String()),
  metadata: Maybe(T.Record(T.String(), T.String())),
  tools: Maybe(T.Array(Tool)),
  tool_choice: Maybe(ToolChoice),
  text: Maybe(TextConfig),
  reasoning: Maybe(T.Object({ effort: Maybe(T.String()), summary: Maybe(T.String()) })),
  previous_response_id: T.Optional(Reject(STATELESS)),
  conversation: T.Optional(Reject(STATELESS)),
  prompt: T.Optional(Reject(STATELESS)),
  background: T.Optional(
    T.Union([T.Null(), T.Literal(false), T.Literal(true, { "x-reject": "background responses are not supported by this gateway" })]),
  ),
});
