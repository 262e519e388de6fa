import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type MuxBatch, MuxBatchSchema, type MuxFrame } from "@switchyard/proto";
import assert from "node:assert/strict";
import { it } from "node:test";
import { decodeMuxBatch, encodeMuxBatch } from "./mux-codec.js";
import { batchOf, cancelFrame, endFrame, messageFrame, pauseFrame, resumeFrame, startFrame } from "./mux-frames.js";

const bytes = (length: number, seed = 7) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

/** Every frame kind, with the edge values of each field: zero and huge ids, empty and long payloads, non-ASCII text. */
const FRAMES: MuxFrame[] = [
  startFrame(1, "/switchyard.v1.ConnectorService/Generate", bytes(300)),
  startFrame(0xffff_fff0, "", new Uint8Array(0)),
  startFrame(0, "/p/é", bytes(70_000)),
  startFrame(7, "/switchyard.v1.PolicyService/Authorize", bytes(40), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
  messageFrame(2, bytes(1)),
  messageFrame(127, new Uint8Array(0)),
  messageFrame(128, bytes(16_384)),
  endFrame(3, 0, ""),
  endFrame(4, 14, "the multiplexed stream ended (ünavailable ✓)"),
  endFrame(2 ** 21, 2 ** 28, "x".repeat(200)),
  cancelFrame(5),
  { ...cancelFrame(6), kind: { case: "cancel", value: false } },
  pauseFrame(7),
  resumeFrame(2 ** 32 - 1),
  { ...pauseFrame(8), kind: { case: "resume", value: false } },
  { $typeName: "switchyard.v1.MuxFrame", callId: 9, kind: { case: undefined } },
];

const plain = (value: unknown) => JSON.parse(JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? [...v] : v))) as unknown;

it("encodes every frame kind exactly as protobuf-es does", () => {
  for (const frame of FRAMES) {
    const batch = batchOf([frame]);
    assert.deepEqual(encodeMuxBatch(batch), Buffer.from(toBinary(MuxBatchSchema, batch)), `frame ${JSON.stringify(plain(frame)).slice(0, 80)}`);
  }
  const all = batchOf(FRAMES);
  assert.deepEqual(encodeMuxBatch(all), Buffer.from(toBinary(MuxBatchSchema, all)));
  assert.equal(encodeMuxBatch(batchOf([])).byteLength, 0);
});

it("decodes what protobuf-es encodes to the same messages, bytes as views without a copy", () => {
  const wire = Buffer.from(toBinary(MuxBatchSchema, batchOf(FRAMES)));
  const decoded = decodeMuxBatch(wire);
  assert.deepEqual(plain(decoded), plain(fromBinary(MuxBatchSchema, new Uint8Array(wire))));
  const message = decoded.frames.find((f) => f.callId === 128)!.kind.value as Uint8Array;
  assert.equal(message.constructor, Uint8Array);
  assert.equal(message.buffer, wire.buffer);
  // A plain Uint8Array (not a Buffer) decodes the same.
  assert.deepEqual(plain(decodeMuxBatch(new Uint8Array(wire))), plain(decoded));
});

it("round-trips random batches", () => {
  let seed = 1;
  const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
  for (let round = 0; round < 200; round++) {
    const frames = Array.from({ length: random(6) }, (): MuxFrame => {
      const id = random(4) === 0 ? 0 : random(2 ** 31);
      switch (random(6)) {
        case 0:
          return startFrame(id, "/s.S/M".repeat(random(4)), bytes(random(3_000), round));
        case 1:
          return messageFrame(id, bytes(random(20_000), round));
        case 2:
          return endFrame(id, random(17), "détail".repeat(random(5)));
        case 3:
          return pauseFrame(id);
        case 4:
          return resumeFrame(id);
        default:
          return cancelFrame(id);
      }
    });
    const batch: MuxBatch = batchOf(frames);
    const encoded = encodeMuxBatch(batch);
    assert.deepEqual(encoded, Buffer.from(toBinary(MuxBatchSchema, batch)));
    assert.deepEqual(plain(decodeMuxBatch(encoded)), plain(create(MuxBatchSchema, batch)));
  }
});

it("skips fields it does not know and refuses truncated input", () => {
  const frame = Buffer.from(toBinary(MuxBatchSchema, batchOf([messageFrame(3, bytes(10))])));
  // Unknown fields a newer peer might add: at batch level (field 2, varint) and inside the frame (field 9, fixed32; field 10, fixed64).
  const inner = Buffer.concat([frame.subarray(2), Buffer.from([0x4d, 1, 2, 3, 4, 0x51, 1, 2, 3, 4, 5, 6, 7, 8])]);
  const extended = Buffer.concat([Buffer.from([0x10, 0x96, 0x01, 0x0a, inner.byteLength]), inner]);
  const decoded = decodeMuxBatch(extended);
  assert.equal(decoded.frames.length, 1);
  assert.equal(decoded.frames[0]!.callId, 3);
  assert.deepEqual([...(decoded.frames[0]!.kind.value as Uint8Array)], [...bytes(10)]);

  assert.throws(() => decodeMuxBatch(frame.subarray(0, frame.byteLength - 1)), RangeError);
  assert.throws(() => decodeMuxBatch(Buffer.from([0x08, 0x80])), RangeError);
  assert.throws(() => decodeMuxBatch(Buffer.from([0x0b])), RangeError);
});
