import { create, type DescEnum, type DescField, type DescMessage, fromJson, fromJsonString, type MessageInitShape, ScalarType, toJsonString } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence, TimestampSchema, timestampMs } from "@bufbuild/protobuf/wkt";
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
 * What publishers send is plain protobuf JSON (`toJsonString`: JSON field names, numbers as
 * numbers, enums by name). For that text a `JSON.parse` and a walk over the schema are enough, and
 * the text can be stored as it is; a full protobuf decode and re-encode cost several times more per
 * event. Anything else protobuf JSON allows (proto field names, numbers in strings, nulls, unknown
 * fields, 64-bit or bytes fields) takes the full protobuf path, so both read the same event.
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
const TIMESTAMP_JSON = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:Z|([+-][0-9][0-9]:[0-9][0-9]))$/;

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

/**
 * A usage event as protobuf JSON, the text `toJsonString` writes for the same message (field
 * order, omitted defaults, enum names, timestamps), from the event's init shape. Walks the schema
 * with plain `JSON.stringify`: about a tenth of protobuf-es's reflective `create` + `toJsonString`,
 * which was the largest part of publishing an event. A field this walk does not know (64-bit
 * integers, bytes, maps, oneofs, optional fields, other well-known types) sends the event through
 * protobuf-es instead.
 */
export function encodeUsageEvent(event: UsageEventInit): string {
  const plain = plainJsonOf(event as Record<string, unknown>, UsageEventSchema);
  return plain === undefined ? toJsonString(UsageEventSchema, create(UsageEventSchema, event)) : JSON.stringify(plain);
}

function plainJsonOf(value: Record<string, unknown>, desc: DescMessage): Record<string, unknown> | undefined {
  if (desc.oneofs.length > 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const field of desc.fields) {
    if (field.presence === FeatureSet_FieldPresence.EXPLICIT && field.fieldKind !== "message") return undefined;
    const item = value[field.localName];
    if (item === undefined || item === null) continue;
    let json: unknown;
    switch (field.fieldKind) {
      case "scalar":
        json = plainScalarJson(item, field.scalar);
        break;
      case "enum":
        json = plainEnumJson(item, field.enum);
        break;
      case "message":
        json = plainMessageJson(item, field.message);
        break;
      case "list": {
        if (!Array.isArray(item)) return undefined;
        if (item.length === 0) continue;
        const list: unknown[] = [];
        for (const element of item) {
          const converted =
            field.listKind === "scalar"
              ? plainScalarJson(element, field.scalar)
              : field.listKind === "enum"
                ? plainEnumJson(element, field.enum)
                : plainMessageJson(element, field.message);
          if (converted === undefined || converted === OMIT) return undefined; // list elements are never left out
          list.push(converted);
        }
        json = list;
        break;
      }
      default:
        return undefined;
    }
    if (json === undefined) return undefined;
    if (json !== OMIT) out[field.jsonName] = json;
  }
  return out;
}

/** A default value, which proto3 JSON leaves out. */
const OMIT = Symbol("omit");

function plainScalarJson(value: unknown, scalar: ScalarType): unknown {
  switch (scalar) {
    case ScalarType.STRING:
      return typeof value !== "string" ? undefined : value === "" ? OMIT : value;
    case ScalarType.BOOL:
      return typeof value !== "boolean" ? undefined : value || OMIT;
    case ScalarType.DOUBLE:
      if (typeof value !== "number") return undefined;
      if (value === 0) return OMIT;
      return Number.isFinite(value) ? value : String(value); // "NaN", "Infinity", "-Infinity"
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return typeof value !== "number" || !Number.isInteger(value) ? undefined : value === 0 ? OMIT : value;
    default:
      return undefined;
  }
}

function plainEnumJson(value: unknown, desc: DescEnum): unknown {
  if (value === 0) return OMIT;
  return desc.values.find((known) => known.number === value)?.name;
}

function plainMessageJson(value: unknown, desc: DescMessage): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  if (desc.typeName === TimestampSchema.typeName) return timestampJson(value as { seconds?: bigint; nanos?: number });
  if (desc.typeName.startsWith("google.protobuf.")) return undefined;
  return plainJsonOf(value as Record<string, unknown>, desc);
}

/** RFC 3339 in UTC with 0, 3, 6 or 9 fraction digits, as protobuf-es writes it. */
function timestampJson(value: { seconds?: bigint; nanos?: number }): string | undefined {
  const seconds = Number(value.seconds ?? 0n);
  const nanos = value.nanos ?? 0;
  if (!Number.isSafeInteger(seconds) || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) return undefined;
  const whole = wholeSecondsJson(seconds);
  if (whole === undefined) return undefined;
  if (nanos === 0) return `${whole}Z`;
  let digits = String(nanos + 1_000_000_000).slice(1);
  if (digits.endsWith("000000")) digits = digits.slice(0, 3);
  else if (digits.endsWith("000")) digits = digits.slice(0, 6);
  return `${whole}.${digits}Z`;
}

/** "YYYY-MM-DDTHH:MM:SS" of a Unix second; the last one is kept, since events of one second follow each other. */
let lastSecond = Number.NaN;
let lastSecondJson: string | undefined;
function wholeSecondsJson(seconds: number): string | undefined {
  if (seconds !== lastSecond) {
    const iso = new Date(seconds * 1000).toISOString();
    lastSecond = seconds;
    lastSecondJson = iso.length === 24 ? iso.slice(0, 19) : undefined; // outside years 0000–9999: protobuf-es's checks apply
  }
  return lastSecondJson;
}
