import { create, type DescField, type DescMessage, type MessageInitShape, ScalarType, toBinary } from "@bufbuild/protobuf";

// protobuf-es encodes through a BinaryWriter that grows chunk by chunk and forks a new writer for
// every nested message, and needs a full message made by `create()` first: together a few
// microseconds per message, on every connector call and every streamed chunk. This encoder sizes
// the message first and writes it into one buffer, straight from the init object (a missing field
// is its default). Schemas with what it does not handle (64-bit integers, maps, groups, unknown
// fields) go to protobuf-es. `message-encoder.test.ts` holds it to protobuf-es byte for byte.

type Json = Record<string, unknown>;

const enum Kind {
  Varint32,
  Sint32,
  Bool,
  Double,
  Float,
  Fixed32,
  Sfixed32,
  String,
  Bytes,
  Message,
}

interface FieldPlan {
  localName: string;
  /** The oneof's local name when the field is one of its cases. */
  oneof: string | undefined;
  kind: Kind;
  list: boolean;
  packed: boolean;
  /** Written even when it holds the default value (explicit presence). */
  explicit: boolean;
  /** The field's tag, wire type included, already varint-encoded. */
  tag: number[];
  /** The nested message's plan (message fields and lists of messages). */
  message: MessagePlan | undefined;
}

interface MessagePlan {
  fields: FieldPlan[];
  /** False when the schema (or one it contains) has fields this encoder leaves to protobuf-es. */
  supported: boolean;
}

const plans = new WeakMap<DescMessage, MessagePlan>();

function varintBytes(value: number): number[] {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return bytes;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

function scalarKind(scalar: ScalarType): Kind | undefined {
  switch (scalar) {
    case ScalarType.INT32:
    case ScalarType.UINT32:
      return Kind.Varint32;
    case ScalarType.SINT32:
      return Kind.Sint32;
    case ScalarType.BOOL:
      return Kind.Bool;
    case ScalarType.DOUBLE:
      return Kind.Double;
    case ScalarType.FLOAT:
      return Kind.Float;
    case ScalarType.FIXED32:
      return Kind.Fixed32;
    case ScalarType.SFIXED32:
      return Kind.Sfixed32;
    case ScalarType.STRING:
      return Kind.String;
    case ScalarType.BYTES:
      return Kind.Bytes;
    default:
      return undefined; // 64-bit integers: left to protobuf-es
  }
}

function wireOf(kind: Kind): number {
  switch (kind) {
    case Kind.Double:
      return WIRE_FIXED64;
    case Kind.Float:
    case Kind.Fixed32:
    case Kind.Sfixed32:
      return WIRE_FIXED32;
    case Kind.String:
    case Kind.Bytes:
    case Kind.Message:
      return WIRE_LEN;
    default:
      return WIRE_VARINT;
  }
}

function planOf(schema: DescMessage): MessagePlan {
  const known = plans.get(schema);
  if (known) return known;
  const plan: MessagePlan = { fields: [], supported: true };
  // Registered before its fields, so a message that contains itself resolves to this plan.
  plans.set(schema, plan);
  for (const field of [...schema.fields].sort((a, b) => a.number - b.number)) {
    const fieldPlan = planField(field);
    if (!fieldPlan) {
      plan.supported = false;
      continue;
    }
    plan.fields.push(fieldPlan);
  }
  for (const field of plan.fields) if (field.message && !field.message.supported) plan.supported = false;
  return plan;
}

function planField(field: DescField): FieldPlan | undefined {
  let kind: Kind | undefined;
  let message: MessagePlan | undefined;
  let list = false;
  let packed = false;
  switch (field.fieldKind) {
    case "scalar":
      kind = scalarKind(field.scalar);
      break;
    case "enum":
      kind = Kind.Varint32;
      break;
    case "message":
      if (field.delimitedEncoding) return undefined;
      kind = Kind.Message;
      message = planOf(field.message);
      break;
    case "list":
      list = true;
      packed = field.packed;
      if (field.listKind === "scalar") kind = scalarKind(field.scalar);
      else if (field.listKind === "enum") kind = Kind.Varint32;
      else if (!field.delimitedEncoding) {
        kind = Kind.Message;
        message = planOf(field.message);
      }
      break;
    case "map":
      return undefined;
  }
  if (kind === undefined) return undefined;
  const wire = list && packed ? WIRE_LEN : wireOf(kind);
  return {
    localName: field.localName,
    oneof: field.oneof?.localName,
    kind,
    list,
    packed,
    // IMPLICIT is 2 in protobuf-es's FeatureSet_FieldPresence; messages always have presence.
    explicit: field.oneof !== undefined || (field.fieldKind !== "list" && field.presence !== 2),
    tag: varintBytes((field.number << 3) | wire),
    message,
  };
}

function varintSize(value: number): number {
  if (value < 0) return 10; // a negative int32 is sign-extended to 64 bits
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  return 5;
}

const zigzag = (value: number) => ((value << 1) ^ (value >> 31)) >>> 0;

/** Thrown by the size pass when a message carries fields it does not know: protobuf-es writes those back. */
const HAS_UNKNOWN_FIELDS = Symbol("unknown fields");

/** The field's value, or undefined when it is not set (another oneof case, or not an own property). */
function fieldValue(field: FieldPlan, message: Json): unknown {
  if (field.oneof) {
    const oneof = message[field.oneof] as { case?: string; value?: unknown } | undefined;
    return oneof?.case === field.localName ? oneof.value : undefined;
  }
  const value = message[field.localName];
  if (value === null) return undefined;
  // Explicit presence: a default may sit on the prototype (proto2), which does not count as set.
  if (field.explicit && value !== undefined && !Object.hasOwn(message, field.localName)) return undefined;
  return value;
}

/** True when an implicit-presence field holds its default and is left out. */
function isDefault(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case Kind.String:
      return value === "";
    case Kind.Bytes:
      return (value as Uint8Array).byteLength === 0;
    case Kind.Bool:
      return value === false;
    case Kind.Message:
      return false;
    case Kind.Double:
    case Kind.Float:
      return Object.is(value, 0); // -0 is written
    default:
      return value === 0;
  }
}

/**
 * The first pass: the message's size. Sizes it will need again (nested messages, packed lists,
 * strings' UTF-8 lengths) go to `sizes` in the order the second pass meets them.
 */
function sizeMessage(plan: MessagePlan, message: Json, sizes: number[]): number {
  if ((message.$unknown as unknown[] | undefined)?.length) throw HAS_UNKNOWN_FIELDS;
  let total = 0;
  for (const field of plan.fields) {
    const value = fieldValue(field, message);
    if (value === undefined) continue;
    if (field.list) {
      const items = value as unknown[];
      if (items.length === 0) continue;
      if (field.packed) {
        const at = sizes.push(0) - 1;
        let length = 0;
        for (const item of items) length += sizeValue(field, item, sizes);
        sizes[at] = length;
        total += field.tag.length + varintSize(length) + length;
      } else {
        for (const item of items) total += field.tag.length + sizeValue(field, item, sizes);
      }
      continue;
    }
    if (!field.explicit && isDefault(field.kind, value)) continue;
    total += field.tag.length + sizeValue(field, value, sizes);
  }
  return total;
}

/** The bytes of one value, its length prefix included for length-delimited kinds. */
function sizeValue(field: FieldPlan, value: unknown, sizes: number[]): number {
  switch (field.kind) {
    case Kind.Varint32:
      return varintSize(value as number);
    case Kind.Sint32:
      return varintSize(zigzag(value as number));
    case Kind.Bool:
      return 1;
    case Kind.Double:
      return 8;
    case Kind.Float:
    case Kind.Fixed32:
    case Kind.Sfixed32:
      return 4;
    case Kind.String: {
      const length = Buffer.byteLength(value as string);
      sizes.push(length);
      return varintSize(length) + length;
    }
    case Kind.Bytes: {
      const length = (value as Uint8Array).byteLength;
      return varintSize(length) + length;
    }
    case Kind.Message: {
      const at = sizes.push(0) - 1;
      const length = sizeMessage(field.message!, value as Json, sizes);
      sizes[at] = length;
      return varintSize(length) + length;
    }
  }
}

class Writer {
  pos = 0;
  next = 0;

  constructor(
    readonly buf: Buffer,
    readonly sizes: number[],
  ) {}

  raw(bytes: number[]): void {
    for (const byte of bytes) this.buf[this.pos++] = byte;
  }

  varint(value: number): void {
    if (value < 0) {
      // Sign-extended to ten bytes, as protobuf writes a negative int32.
      let low = value >>> 0;
      for (let i = 0; i < 4; i++) {
        this.buf[this.pos++] = (low & 0x7f) | 0x80;
        low >>>= 7;
      }
      this.buf[this.pos++] = (low & 0x0f) | 0xf0;
      for (let i = 0; i < 4; i++) this.buf[this.pos++] = 0xff;
      this.buf[this.pos++] = 0x01;
      return;
    }
    while (value > 0x7f) {
      this.buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[this.pos++] = value;
  }

  message(plan: MessagePlan, message: Json): void {
    for (const field of plan.fields) {
      const value = fieldValue(field, message);
      if (value === undefined) continue;
      if (field.list) {
        const items = value as unknown[];
        if (items.length === 0) continue;
        if (field.packed) {
          this.raw(field.tag);
          this.varint(this.sizes[this.next++]!);
          for (const item of items) this.value(field, item);
        } else {
          for (const item of items) {
            this.raw(field.tag);
            this.value(field, item);
          }
        }
        continue;
      }
      if (!field.explicit && isDefault(field.kind, value)) continue;
      this.raw(field.tag);
      this.value(field, value);
    }
  }

  value(field: FieldPlan, value: unknown): void {
    switch (field.kind) {
      case Kind.Varint32:
        this.varint(value as number);
        break;
      case Kind.Sint32:
        this.varint(zigzag(value as number));
        break;
      case Kind.Bool:
        this.buf[this.pos++] = value ? 1 : 0;
        break;
      case Kind.Double:
        this.pos = this.buf.writeDoubleLE(value as number, this.pos);
        break;
      case Kind.Float:
        this.pos = this.buf.writeFloatLE(value as number, this.pos);
        break;
      case Kind.Fixed32:
        this.pos = this.buf.writeUInt32LE((value as number) >>> 0, this.pos);
        break;
      case Kind.Sfixed32:
        this.pos = this.buf.writeInt32LE(value as number, this.pos);
        break;
      case Kind.String: {
        const length = this.sizes[this.next++]!;
        this.varint(length);
        this.pos += this.buf.write(value as string, this.pos, length, "utf8");
        break;
      }
      case Kind.Bytes: {
        const bytes = value as Uint8Array;
        this.varint(bytes.byteLength);
        this.buf.set(bytes, this.pos);
        this.pos += bytes.byteLength;
        break;
      }
      case Kind.Message:
        this.varint(this.sizes[this.next++]!);
        this.message(field.message!, value as Json);
        break;
    }
  }
}

/**
 * An encoder for `schema`: the protobuf binary encoding of a message or a message init (missing
 * fields are defaults), the same bytes as `toBinary(schema, create(schema, init))`.
 */
export function messageEncoder<Desc extends DescMessage>(schema: Desc): (init: MessageInitShape<Desc>) => Buffer {
  const plan = planOf(schema);
  const fallback = (init: MessageInitShape<Desc>) => {
    const bytes = toBinary(schema, create(schema, init));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  if (!plan.supported) return fallback;
  return (init) => {
    const sizes: number[] = [];
    let size: number;
    try {
      size = sizeMessage(plan, init as Json, sizes);
    } catch (error) {
      if (error === HAS_UNKNOWN_FIELDS) return fallback(init);
      throw error;
    }
    const writer = new Writer(Buffer.allocUnsafe(size), sizes);
    writer.message(plan, init as Json);
    return writer.buf;
  };
}
