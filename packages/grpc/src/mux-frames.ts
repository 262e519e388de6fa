import type { MuxBatch, MuxFrame } from "@switchyard/proto";

// Frames are built as complete message literals: `create()` walks the schema for every frame,
// which showed up in the ingress's profile at a few thousand calls a second.

export const batchOf = (frames: MuxFrame[]): MuxBatch => ({ $typeName: "switchyard.v1.MuxBatch", frames });

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

export const startFrame = (callId: number, method: string, request: Uint8Array, traceparent = ""): MuxFrame => ({
  $typeName: "switchyard.v1.MuxFrame",
  callId,
  kind: { case: "start", value: { $typeName: "switchyard.v1.MuxStart", method, request, traceparent } },
});

export const cancelFrame = (callId: number): MuxFrame => ({ $typeName: "switchyard.v1.MuxFrame", callId, kind: { case: "cancel", value: true } });

export const pauseFrame = (callId: number): MuxFrame => ({ $typeName: "switchyard.v1.MuxFrame", callId, kind: { case: "pause", value: true } });

export const resumeFrame = (callId: number): MuxFrame => ({ $typeName: "switchyard.v1.MuxFrame", callId, kind: { case: "resume", value: true } });

export const messageFrame = (callId: number, message: Uint8Array): MuxFrame => ({
  $typeName: "switchyard.v1.MuxFrame",
  callId,
  kind: { case: "message", value: message },
});

export const endFrame = (callId: number, code: number, details: string): MuxFrame => ({
  $typeName: "switchyard.v1.MuxFrame",
  callId,
  kind: { case: "end", value: { $typeName: "switchyard.v1.MuxEnd", code, details } },
});
