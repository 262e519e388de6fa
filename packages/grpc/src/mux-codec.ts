import type { MethodDefinition } from "@grpc/grpc-js";
import { Multiplexer, type MuxBatch, type MuxEnd, type MuxFrame, type MuxStart } from "@switchyard/proto";
import { batchOf } from "./mux-frames.js";

// `MuxBatch` is the envelope of every multiplexed call, encoded and decoded once per turn of the
// event loop on both sides of every connector call. protobuf-es walks the schema reflectively and
// grows its writer chunk by chunk, which made the envelope a tenth of the ingress's CPU per
// request; its fields are written here directly instead. `mux-codec.test.ts` holds this to
// protobuf-es byte for byte, both ways.

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const tag = (field: number, wire: number) => (field << 3) | wire;

const BATCH_FRAMES = tag(1, WIRE_LEN);
const FRAME_CALL_ID = tag(1, WIRE_VARINT);
const FRAME_START = tag(2, WIRE_LEN);
const FRAME_MESSAGE = tag(3, WIRE_LEN);
const FRAME_END = tag(4, WIRE_LEN);
const FRAME_CANCEL = tag(5, WIRE_VARINT);
const FRAME_PAUSE = tag(6, WIRE_VARINT);
const FRAME_RESUME = tag(7, WIRE_VARINT);
const START_METHOD = tag(1, WIRE_LEN);
const START_REQUEST = tag(2, WIRE_LEN);
const START_TRACEPARENT = tag(3, WIRE_LEN);
const END_CODE = tag(1, WIRE_VARINT);
const END_DETAILS = tag(2, WIRE_LEN);

function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  return 5;
}

/** Bytes of a length-delimited field of `length` bytes, tag included (all tags here fit in one byte). */
const delimitedSize = (length: number) => 1 + varintSize(length) + length;

/** Sizes computed in the first pass, reused by the second (string byte lengths are not free). */
interface FramePlan {
  size: number;
  /** start: method bytes, end: details bytes. */
  textBytes: number;
  /** start and end: the nested message's size. */
  innerSize: number;
}

function planFrame(frame: MuxFrame): FramePlan {
  let size = frame.callId !== 0 ? 1 + varintSize(frame.callId) : 0;
  let textBytes = 0;
  let innerSize = 0;
  const kind = frame.kind;
  switch (kind.case) {
    case "start": {
      textBytes = Buffer.byteLength(kind.value.method);
      const request = kind.value.request.byteLength;
      // Trace contexts are ASCII: their length is their byte length.
      const traceparent = kind.value.traceparent.length;
      innerSize = (textBytes > 0 ? delimitedSize(textBytes) : 0) + (request > 0 ? delimitedSize(request) : 0) + (traceparent > 0 ? delimitedSize(traceparent) : 0);
      size += delimitedSize(innerSize);
      break;
    }
    case "message":
      size += delimitedSize(kind.value.byteLength);
      break;
    case "end": {
      textBytes = Buffer.byteLength(kind.value.details);
      innerSize = (kind.value.code !== 0 ? 1 + varintSize(kind.value.code) : 0) + (textBytes > 0 ? delimitedSize(textBytes) : 0);
      size += delimitedSize(innerSize);
      break;
    }
    case "cancel":
    case "pause":
    case "resume":
      size += 2;
      break;
  }
  return { size, textBytes, innerSize };
}

class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  byte(value: number): void {
    this.buf[this.pos++] = value;
  }

  varint(value: number): void {
    while (value > 0x7f) {
      this.buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[this.pos++] = value;
  }

  bytes(value: Uint8Array): void {
    this.buf.set(value, this.pos);
    this.pos += value.byteLength;
  }

  text(value: string, byteLength: number): void {
    this.pos += this.buf.write(value, this.pos, byteLength, "utf8");
  }
}

/** The protobuf binary encoding of `MuxBatch { frames }`, in one allocation. */
export function encodeMuxBatch(batch: MuxBatch): Buffer {
  const plans = batch.frames.map(planFrame);
  let total = 0;
  for (const plan of plans) total += delimitedSize(plan.size);
  const out = new Writer(Buffer.allocUnsafe(total));
  for (let i = 0; i < plans.length; i++) {
    const frame = batch.frames[i]!;
    const plan = plans[i]!;
    out.byte(BATCH_FRAMES);
    out.varint(plan.size);
    if (frame.callId !== 0) {
      out.byte(FRAME_CALL_ID);
      out.varint(frame.callId);
    }
    const kind = frame.kind;
    switch (kind.case) {
      case "start":
        out.byte(FRAME_START);
        out.varint(plan.innerSize);
        if (plan.textBytes > 0) {
          out.byte(START_METHOD);
          out.varint(plan.textBytes);
          out.text(kind.value.method, plan.textBytes);
        }
        if (kind.value.request.byteLength > 0) {
          out.byte(START_REQUEST);
          out.varint(kind.value.request.byteLength);
          out.bytes(kind.value.request);
        }
        if (kind.value.traceparent.length > 0) {
          out.byte(START_TRACEPARENT);
          out.varint(kind.value.traceparent.length);
          out.text(kind.value.traceparent, kind.value.traceparent.length);
        }
        break;
      case "message":
        out.byte(FRAME_MESSAGE);
        out.varint(kind.value.byteLength);
        out.bytes(kind.value);
        break;
      case "end":
        out.byte(FRAME_END);
        out.varint(plan.innerSize);
        if (kind.value.code !== 0) {
          out.byte(END_CODE);
          out.varint(kind.value.code);
        }
        if (plan.textBytes > 0) {
          out.byte(END_DETAILS);
          out.varint(plan.textBytes);
          out.text(kind.value.details, plan.textBytes);
        }
        break;
      case "cancel":
        out.byte(FRAME_CANCEL);
        out.byte(kind.value ? 1 : 0);
        break;
      case "pause":
        out.byte(FRAME_PAUSE);
        out.byte(kind.value ? 1 : 0);
        break;
      case "resume":
        out.byte(FRAME_RESUME);
        out.byte(kind.value ? 1 : 0);
        break;
    }
  }
  return out.buf;
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw new RangeError("mux batch: truncated varint");
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
    // A uint32 field may still carry ten bytes (a negative int32 written by another encoder): keep the low 32 bits.
    while (this.pos < this.end && this.buf[this.pos++]! >= 0x80);
    return result >>> 0;
  }

  /** Start and end offsets of the length-delimited value at the cursor; moves past it. */
  delimited(): [number, number] {
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) throw new RangeError("mux batch: length beyond the message");
    this.pos = start + length;
    return [start, this.pos];
  }

  /** A view of the bytes (no copy), as a plain Uint8Array like protobuf-es gives. */
  bytes(): Uint8Array {
    const [start, end] = this.delimited();
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + start, end - start);
  }

  text(): string {
    const [start, end] = this.delimited();
    return this.buf.toString("utf8", start, end);
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED64) this.pos += 8;
    else if (wire === WIRE_LEN) this.delimited();
    else if (wire === WIRE_FIXED32) this.pos += 4;
    else throw new RangeError(`mux batch: unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new RangeError("mux batch: field beyond the message");
  }
}

function readStart(reader: Reader): MuxStart {
  const start: MuxStart = { $typeName: "switchyard.v1.MuxStart", method: "", request: new Uint8Array(0), traceparent: "" };
  while (!reader.done) {
    const key = reader.varint();
    if (key === START_METHOD) start.method = reader.text();
    else if (key === START_REQUEST) start.request = reader.bytes();
    else if (key === START_TRACEPARENT) start.traceparent = reader.text();
    else reader.skip(key & 7);
  }
  return start;
}

function readEnd(reader: Reader): MuxEnd {
  const end: MuxEnd = { $typeName: "switchyard.v1.MuxEnd", code: 0, details: "" };
  while (!reader.done) {
    const key = reader.varint();
    if (key === END_CODE) end.code = reader.varint() >>> 0;
    else if (key === END_DETAILS) end.details = reader.text();
    else reader.skip(key & 7);
  }
  return end;
}

function readFrame(reader: Reader): MuxFrame {
  const frame: MuxFrame = { $typeName: "switchyard.v1.MuxFrame", callId: 0, kind: { case: undefined } };
  while (!reader.done) {
    const key = reader.varint();
    switch (key) {
      case FRAME_CALL_ID:
        frame.callId = reader.varint() >>> 0;
        break;
      case FRAME_START: {
        const [start, end] = reader.delimited();
        frame.kind = { case: "start", value: readStart(new Reader(reader.buf, start, end)) };
        break;
      }
      case FRAME_MESSAGE:
        frame.kind = { case: "message", value: reader.bytes() };
        break;
      case FRAME_END: {
        const [start, end] = reader.delimited();
        frame.kind = { case: "end", value: readEnd(new Reader(reader.buf, start, end)) };
        break;
      }
      case FRAME_CANCEL:
        frame.kind = { case: "cancel", value: reader.varint() !== 0 };
        break;
      case FRAME_PAUSE:
        frame.kind = { case: "pause", value: reader.varint() !== 0 };
        break;
      case FRAME_RESUME:
        frame.kind = { case: "resume", value: reader.varint() !== 0 };
        break;
      default:
        reader.skip(key & 7);
    }
  }
  return frame;
}

/** Reads a `MuxBatch`; bytes fields are views into `bytes`, which must not be reused while they live. */
export function decodeMuxBatch(bytes: Uint8Array): MuxBatch {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new Reader(buf, 0, buf.byteLength);
  const frames: MuxFrame[] = [];
  while (!reader.done) {
    const key = reader.varint();
    if (key === BATCH_FRAMES) {
      const [start, end] = reader.delimited();
      frames.push(readFrame(new Reader(buf, start, end)));
    } else reader.skip(key & 7);
  }
  return batchOf(frames);
}

/** The grpc-js definition of `Multiplexer.Open` with this codec, for the server and the client alike. */
export const muxOpenDefinition = {
  path: `/${Multiplexer.typeName}/${Multiplexer.method.open.name}`,
  originalName: Multiplexer.method.open.name,
  requestStream: true,
  responseStream: true,
  requestSerialize: encodeMuxBatch,
  requestDeserialize: decodeMuxBatch,
  responseSerialize: encodeMuxBatch,
  responseDeserialize: decodeMuxBatch,
} satisfies MethodDefinition<MuxBatch, MuxBatch>;
