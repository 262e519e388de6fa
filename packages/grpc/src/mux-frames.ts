import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { MethodDefinition } from "@grpc/grpc-js";
import { Multiplexer, type MuxBatch, MuxBatchSchema, type MuxFrame, MuxFrameSchema } from "@switchyard/proto";
import { asBuffer } from "./definition.js";

export const batchOf = (frames: MuxFrame[]): MuxBatch => create(MuxBatchSchema, { frames });

/** Frames queued in one turn of the event loop, written as one gRPC message at its end. */
export class FrameOutbox {
  private frames: MuxFrame[] = [];
  private bytes = 0;
  private scheduled = false;
  private flushed: (() => void)[] | undefined;

  constructor(private readonly write: (batch: MuxBatch) => void) {}

  /** `bytes`: the frame's payload, counted in `queuedBytes` until it is written. */
  push(frame: MuxFrame, bytes = 0): void {
    this.frames.push(frame);
    this.bytes += bytes;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Payload bytes queued and not written yet. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /** Settles once what is queued now is written. */
  written(): Promise<void> {
    if (this.frames.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.flushed ??= []).push(resolve));
  }

  /** Writes what is queued now; also called directly before a stream ends. */
  flush(): void {
    this.scheduled = false;
    const waiting = this.flushed;
    this.flushed = undefined;
    if (this.frames.length > 0) {
      const frames = this.frames;
      this.frames = [];
      this.bytes = 0;
      this.write(batchOf(frames));
    }
    waiting?.forEach((resolve) => resolve());
  }
}

export const startFrame = (callId: number, method: string, request: Uint8Array, traceparent = ""): MuxFrame =>
  create(MuxFrameSchema, { callId, kind: { case: "start", value: { method, request, traceparent } } });

export const cancelFrame = (callId: number): MuxFrame => create(MuxFrameSchema, { callId, kind: { case: "cancel", value: true } });

export const pauseFrame = (callId: number): MuxFrame => create(MuxFrameSchema, { callId, kind: { case: "pause", value: true } });

export const resumeFrame = (callId: number): MuxFrame => create(MuxFrameSchema, { callId, kind: { case: "resume", value: true } });

export const messageFrame = (callId: number, message: Uint8Array): MuxFrame =>
  create(MuxFrameSchema, { callId, kind: { case: "message", value: message } });

export const endFrame = (callId: number, code: number, details: string): MuxFrame =>
  create(MuxFrameSchema, { callId, kind: { case: "end", value: { code, details } } });

const encodeBatch = (batch: MuxBatch): Buffer => asBuffer(toBinary(MuxBatchSchema, batch));
const decodeBatch = (bytes: Buffer): MuxBatch => fromBinary(MuxBatchSchema, bytes);

/** The grpc-js definition of `Multiplexer.Open`, for the server and the client alike. */
export const muxOpenDefinition = {
  path: `/${Multiplexer.typeName}/${Multiplexer.method.open.name}`,
  originalName: Multiplexer.method.open.name,
  requestStream: true,
  responseStream: true,
  requestSerialize: encodeBatch,
  requestDeserialize: decodeBatch,
  responseSerialize: encodeBatch,
  responseDeserialize: decodeBatch,
} satisfies MethodDefinition<MuxBatch, MuxBatch>;
