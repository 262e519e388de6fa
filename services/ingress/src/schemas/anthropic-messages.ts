import { Type as T } from "@sinclair/typebox";
import { AnyObject, CheckedFirst, Int, Maybe, NonEmptyString, Refused, StringEnum, Tagged } from "./keywords.js";

/*
 * The Anthropic Messages request (`POST /v1/messages`) as the gateway accepts it. Every field the
 * translation reads is typed; unknown fields (`thinking`, `service_tier`, `cache_control`, …) pass.
 * Properties are listed in the order problems are reported (Ajv stops at the first).
 */

const IMAGE_MEDIA_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"] as const;

const TextBlock = T.Object({ type: T.Literal("text"), text: T.String() });

const ImageBlock = T.Object({
  type: T.Literal("image"),
  source: Tagged("type", [
    T.Object({ type: T.Literal("base64"), media_type: StringEnum(IMAGE_MEDIA_TYPES), data: NonEmptyString() }),
    T.Object({ type: T.Literal("url"), url: NonEmptyString() }),
  ]),
});

const DocumentBlock = T.Object({
  type: T.Literal("document"),
  source: Tagged(
    "type",
    [
      T.Object({ type: T.Literal("base64"), media_type: T.Literal("application/pdf"), data: T.String() }),
      T.Object({ type: T.Literal("text"), media_type: T.Literal("text/plain"), data: T.String() }),
    ],
    { unknown: "document sources of type '%s' are not supported by this gateway (base64 and text are)" },
  ),
  title: Maybe(T.String()),
});

const ToolResultBlock = T.Object({
  type: T.Literal("tool_result"),
  tool_use_id: NonEmptyString(),
  is_error: Maybe(T.Boolean()),
  content: Maybe(
    T.Union([
      T.String(),
      T.Array(
        Tagged("type", [TextBlock, ImageBlock], {
          unknown: "'%s' blocks inside a tool_result are not supported by this gateway (text and image are)",
        }),
      ),
    ]),
  ),
});

const ToolUseBlock = T.Object({ type: T.Literal("tool_use"), id: NonEmptyString(), name: NonEmptyString(), input: AnyObject() });
const ThinkingBlock = T.Object({ type: T.Literal("thinking"), thinking: T.String() });
const RedactedThinkingBlock = T.Object({ type: T.Literal("redacted_thinking"), data: T.String() });

const UNKNOWN_BLOCK = "'%s' blocks are not supported by this gateway";
const ASSISTANT_ONLY = "'%s' blocks are only accepted in assistant messages";
const USER_ONLY = "'%s' blocks are only accepted in user messages";

const UserBlock = Tagged(
  "type",
  [
    TextBlock,
    ImageBlock,
    DocumentBlock,
    ToolResultBlock,
    Refused("type", "tool_use", ASSISTANT_ONLY),
    Refused("type", "thinking", ASSISTANT_ONLY),
    Refused("type", "redacted_thinking", ASSISTANT_ONLY),
  ],
  { unknown: UNKNOWN_BLOCK },
);

const AssistantBlock = Tagged(
  "type",
  [
    TextBlock,
    ToolUseBlock,
    ThinkingBlock,
    RedactedThinkingBlock,
    Refused("type", "image", USER_ONLY),
    Refused("type", "document", USER_ONLY),
    Refused("type", "tool_result", USER_ONLY),
  ],
  { unknown: UNKNOWN_BLOCK },
);

const Message = Tagged("role", [
  // An empty user turn would vanish in translation; an empty assistant turn is a valid prefill.
  T.Object({ role: T.Literal("user"), content: T.Union([T.String(), T.Array(UserBlock, { minItems: 1 })]) }),
  T.Object({ role: T.Literal("assistant"), content: T.Union([T.String(), T.Array(AssistantBlock)]) }),
]);

// The type is checked first so that a server tool is named as such, not as a tool missing its schema.
const Tool = CheckedFirst(
  T.Object({
    type: T.Optional(
      T.Union([
        T.Null(),
        T.Literal("custom"),
        T.String({ "x-reject": "server tool '%s' is not supported by this gateway; only client tools are" }),
      ]),
    ),
  }),
  T.Object({ name: NonEmptyString(), description: Maybe(T.String()), input_schema: AnyObject() }),
);

const DisableParallel = { disable_parallel_tool_use: Maybe(T.Boolean()) };
const ToolChoice = Tagged("type", [
  T.Object({ type: T.Literal("auto"), ...DisableParallel }),
  T.Object({ type: T.Literal("any"), ...DisableParallel }),
  T.Object({ type: T.Literal("tool"), name: NonEmptyString(), ...DisableParallel }),
  T.Object({ type: T.Literal("none") }),
]);

export const AnthropicMessagesRequestSchema = T.Object({
  model: NonEmptyString(),
  max_tokens: Int({ minimum: 1 }),
  messages: T.Array(Message, { minItems: 1 }),
  system: Maybe(T.Union([T.String(), T.Array(Tagged("type", [TextBlock]))])),
  stop_sequences: Maybe(T.Array(T.String())),
  temperature: Maybe(T.Number({ minimum: 0, maximum: 1 })),
  top_p: Maybe(T.Number({ minimum: 0, maximum: 1 })),
  top_k: Maybe(Int({ minimum: 0 })),
  stream: Maybe(T.Boolean()),
  metadata: Maybe(T.Object({ user_id: Maybe(T.String()) })),
  tools: Maybe(T.Array(Tool)),
  tool_choice: Maybe(ToolChoice),
});
