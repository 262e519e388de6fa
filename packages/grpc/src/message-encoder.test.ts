import { create, type DescField, type DescMessage, fromBinary, ScalarType, toBinary } from "@bufbuild/protobuf";
import * as proto from "@switchyard/proto";
import assert from "node:assert/strict";
import { it } from "node:test";
import { messageEncoder } from "./message-encoder.js";

const SCHEMAS = Object.values(proto as Record<string, unknown>).filter((value): value is DescMessage => (value as { kind?: string }).kind === "message");

let seed = 42;
const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
const pick = <T>(values: readonly T[]): T => values[random(values.length)]!;

function scalarValue(scalar: ScalarType): unknown {
  switch (scalar) {
    case ScalarType.INT32:
    case ScalarType.SFIXED32:
      return pick([0, 1, -1, 127, 128, 300, -300, 2 ** 31 - 1, -(2 ** 31), random(1e6) - 5e5]);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return pick([0, 1, 127, 128, 16_383, 16_384, 2 ** 21, 2 ** 28, 2 ** 32 - 1, random(1e9)]);
    case ScalarType.SINT32:
      return pick([0, -1, 1, -64, 64, 2 ** 31 - 1, -(2 ** 31), random(1e6) - 5e5]);
    case ScalarType.DOUBLE:
      return pick([0, -0, 1.5, -2.25, 1e-300, 1e300, Number.MAX_VALUE, Infinity, -Infinity, NaN, random(1e6) / 7]);
    case ScalarType.FLOAT:
      return pick([0, -0, 1.5, -2.25, Math.fround(0.1), Infinity, NaN]);
    case ScalarType.BOOL:
      return pick([true, false]);
    case ScalarType.STRING:
      return pick(["", "a", "héllo ✓", "💡".repeat(random(4)), "x".repeat(random(300))]);
    case ScalarType.BYTES:
      return Uint8Array.from({ length: pick([0, 1, 127, 128, 20_000]) }, (_, i) => (i * 13 + 1) & 0xff);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return pick([0n, -1n, 2n ** 40n, -(2n ** 62n)]);
    default:
      return pick([0n, 1n, 2n ** 40n, 2n ** 63n]);
  }
}

function fieldValue(field: DescField, depth: number): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return scalarValue(field.scalar);
    case "enum":
      return pick(field.enum.values).number;
    case "message":
      return depth > 3 ? undefined : randomInit(field.message, depth + 1);
    case "list": {
      const length = pick([0, 1, 3]);
      return Array.from({ length }, () =>
        field.listKind === "scalar" ? scalarValue(field.scalar) : field.listKind === "enum" ? pick(field.enum.values).number : randomInit(field.message, depth + 1),
      );
    }
    case "map":
      return Object.fromEntries(Array.from({ length: random(3) }, (_, i) => [`k${i}`, field.mapKind === "message" ? randomInit(field.message, depth + 1) : scalarValue(ScalarType.STRING)]));
  }
}

/** A random init: each field set or left out, oneofs on a random case or none. */
function randomInit(schema: DescMessage, depth = 0): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  for (const member of schema.members) {
    if (member.kind === "oneof") {
      const field = random(member.fields.length + 1) < member.fields.length ? pick(member.fields) : undefined;
      if (field && depth <= 3) init[member.localName] = { case: field.localName, value: fieldValue(field, depth) };
    } else if (random(4) !== 0) {
      const value = fieldValue(member, depth);
      if (value !== undefined) init[member.localName] = value;
    }
  }
  return init;
}

it("encodes random inits of every schema exactly as protobuf-es does from create()", () => {
  for (const schema of [proto.GenerateRequestSchema, proto.GenerateResponseSchema, proto.AuthorizeResponseSchema, proto.PlanResponseSchema, proto.UsageEventSchema]) {
    assert.ok(SCHEMAS.includes(schema), `${schema.typeName} is among the schemas tested`);
  }
  for (const schema of SCHEMAS) {
    const encode = messageEncoder(schema);
    for (let round = 0; round < 60; round++) {
      const init = randomInit(schema);
      const expected = Buffer.from(toBinary(schema, create(schema, init as never)));
      assert.deepEqual(encode(init as never), expected, `${schema.typeName} from an init`);
      assert.deepEqual(encode(create(schema, init as never)), expected, `${schema.typeName} from a message`);
    }
  }
});

it("encodes an empty init as nothing, and a default value only where presence is explicit", () => {
  assert.equal(messageEncoder(proto.GenerateRequestSchema)({}).byteLength, 0);
  const defaults = { requestId: "", stream: false, timeoutMs: 0, body: new Uint8Array(0), deployment: {} };
  assert.deepEqual(
    messageEncoder(proto.GenerateRequestSchema)(defaults),
    Buffer.from(toBinary(proto.GenerateRequestSchema, create(proto.GenerateRequestSchema, defaults))),
  );
  const emptyCompletion = { event: { case: "completion" as const, value: new Uint8Array(0) } };
  assert.deepEqual([...messageEncoder(proto.GenerateResponseSchema)(emptyCompletion)], [0x12, 0x00], "a oneof case is written even when empty");
});

it("writes back fields it does not know, nested ones too", () => {
  const known = toBinary(proto.GenerateRequestSchema, create(proto.GenerateRequestSchema, { requestId: "r", deployment: { id: "d" } }));
  // Field 99 (varint 7) appended inside the deployment (field 2) and at the top level.
  const deployment = Buffer.from([0x0a, 0x01, 0x64, 0x98, 0x06, 0x07]);
  const wire = Buffer.concat([Buffer.from([0x0a, 0x01, 0x72, 0x12, deployment.byteLength]), deployment, Buffer.from([0x98, 0x06, 0x07])]);
  assert.notDeepEqual(wire, Buffer.from(known));
  const decoded = fromBinary(proto.GenerateRequestSchema, wire);
  assert.deepEqual(messageEncoder(proto.GenerateRequestSchema)(decoded), Buffer.from(toBinary(proto.GenerateRequestSchema, decoded)));
});
