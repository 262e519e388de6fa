import {
  create,
  type DescEnum,
  type DescField,
  type DescMessage,
  fromJson,
  fromJsonString,
  type MessageInitShape,
  ScalarType,
  toJsonString,
} from "@bufbuild/protobuf";
import { TimestampSchema, timestampMs } from "@bufbuild/protobuf/wkt";
import { type UsageEvent, UsageEventSchema } from "@switchyard/proto";

/** What the usage consumers act on, read from one event. */
export interface UsageFacts {
  requestId: string;
  /** The gateway's own id for the request (the client's x-request-id may repeat); empty in events from before it existed. */
  eventId: string;
  outcome: string;
  /** When the request happened (Unix ms), as protobuf's `timestampMs` reads the event's `time`; undefined without one. */
  timeMs: number | undefined;
  keyName: string;
  team: string;
  model: string;
  costUsd: number;
  promptTokens: number;
  completionTokens: number;
}

export interface DecodedUsageEvent extends UsageFacts {
  /** The event as protobuf JSON: the published text itself when it already is plain protobuf JSON, re-encoded otherwise. */
  json: string;
}

/**
 * Reads a usage event's protobuf JSON. Throws when the text is not a UsageEvent.
 *
 * Why not only `fromJsonString`: every consumer reads every event, and protobuf-es's reflective
 * decode plus the re-encode of the stored text is most of what a consumer spends on one. What
 * publishers send is plain protobuf JSON (`toJsonString`: JSON field names, numbers as numbers,
 * enums by name), for which a `JSON.parse` and a walk over the schema are enough, and the text
 * can be stored as it is. Anything else protobuf JSON allows (proto field names, numbers in
 * strings, nulls, unknown fields, 64-bit or bytes fields) takes the full protobuf path, so both
 * read the same event.
 */
export function decodeUsageEvent(text: string): DecodedUsageEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined; // the full decode below reports why
  }
  if (isPlainProtoJson(value, UsageEventSchema)) {
    const plain = value as PlainUsageEvent;
    return {
      requestId: plain.requestId ?? "",
      eventId: plain.eventId ?? "",
      outcome: plain.outcome ?? "",
      timeMs: plain.time === undefined ? undefined : timestampMs(fromJson(TimestampSchema, plain.time)),
      keyName: plain.keyName ?? "",
      team: plain.team ?? "",
      model: plain.model ?? "",
      costUsd: plain.costUsd ?? 0,
      promptTokens: plain.usage?.promptTokens ?? 0,
      completionTokens: plain.usage?.completionTokens ?? 0,
      json: text,
    };
  }
  const event = fromJsonString(UsageEventSchema, text, { ignoreUnknownFields: true });
  return { ...factsOf(event), json: toJsonString(UsageEventSchema, event) };
}

/** The same facts from a decoded message (tests and the full decode path). */
export function factsOf(event: UsageEvent): UsageFacts {
  return {
    requestId: event.requestId,
    eventId: event.eventId,
    outcome: event.outcome,
    timeMs: event.time ? timestampMs(event.time) : undefined,
    keyName: event.keyName,
    team: event.team,
    model: event.model,
    costUsd: event.costUsd,
    promptTokens: event.usage?.promptTokens ?? 0,
    completionTokens: event.usage?.completionTokens ?? 0,
  };
}

/** The fields read above, as `isPlainProtoJson` guarantees them. */
interface PlainUsageEvent {
  requestId?: string;
  eventId?: string;
  outcome?: string;
  time?: string;
  keyName?: string;
  team?: string;
  model?: string;
  costUsd?: number;
  usage?: { promptTokens?: number; completionTokens?: number };
}

/** protobuf-es's own pattern for a Timestamp in JSON. */
const TIMESTAMP_JSON =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:Z|([+-][0-9][0-9]:[0-9][0-9]))$/;

const fieldsByJsonName = new WeakMap<DescMessage, Map<string, DescField>>();

function jsonFieldsOf(desc: DescMessage): Map<string, DescField> {
  let fields = fieldsByJsonName.get(desc);
  if (!fields) {
    fields = new Map(desc.fields.map((field) => [field.jsonName, field]));
    fieldsByJsonName.set(desc, fields);
  }
  return fields;
}

/**
 * True when `value` is protobuf JSON of `desc` in the plain form `toJsonString` writes, so it
 * decodes to the same message with nothing to convert. False means "take the full decode", not
 * "invalid".
 */
export function isPlainProtoJson(value: unknown, desc: DescMessage): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  if (desc.oneofs.length > 0) return false; // two members of one oneof would need checking
  const fields = jsonFieldsOf(desc);
  for (const key in value) {
    const field = fields.get(key);
    if (!field) return false;
    const item = (value as Record<string, unknown>)[key];
    switch (field.fieldKind) {
      case "scalar":
        if (!isPlainScalar(item, field.scalar)) return false;
        break;
      case "enum":
        if (!isPlainEnum(item, field.enum)) return false;
        break;
      case "message":
        if (!isPlainMessage(item, field.message)) return false;
        break;
      case "list": {
        if (!Array.isArray(item)) return false;
        for (const element of item) {
          const plain =
            field.listKind === "scalar"
              ? isPlainScalar(element, field.scalar)
              : field.listKind === "enum"
                ? isPlainEnum(element, field.enum)
                : isPlainMessage(element, field.message);
          if (!plain) return false;
        }
        break;
      }
      default:
        return false; // maps
    }
  }
  return true;
}

function isPlainMessage(value: unknown, desc: DescMessage): boolean {
  if (desc.typeName === TimestampSchema.typeName) return typeof value === "string" && TIMESTAMP_JSON.test(value);
  if (desc.typeName.startsWith("google.protobuf.")) return false; // other well-known types have JSON forms of their own
  return isPlainProtoJson(value, desc);
}

function isPlainEnum(value: unknown, desc: DescEnum): boolean {
  return typeof value === "string" && desc.values.some((known) => known.name === value);
}

function isPlainScalar(value: unknown, scalar: ScalarType): boolean {
  switch (scalar) {
    case ScalarType.STRING:
      return typeof value === "string";
    case ScalarType.BOOL:
      return typeof value === "boolean";
    case ScalarType.DOUBLE:
      return typeof value === "number"; // JSON.parse yields finite numbers only
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return Number.isInteger(value) && (value as number) >= -0x80000000 && (value as number) <= 0x7fffffff;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffffffff;
    default:
      return false; // float range, 64-bit integers and bytes have conversions of their own
  }
}

export type UsageEventInit = MessageInitShape<typeof UsageEventSchema>;

/** A usage event as protobuf JSON, from the event's fields. */
export function encodeUsageEvent(event: UsageEventInit): string {
  return toJsonString(UsageEventSchema, create(UsageEventSchema, event));
}
