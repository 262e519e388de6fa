import type { MuxBatch, MuxFrame } from "@switchyard/proto";

// Frames are built as complete message literals: `create()` walks the schema for every frame,
// which showed up in the ingress's profile at a few thousand calls a second.

export const batchOf = (frames: MuxFrame[]): MuxBatch => ({ $typeName: "switchyard.v1.MuxBatch", frames });

/** Frames queued in one turn of the event loop, written as one gRPC message at its end. */
export class FrameOutbox {
  private frames: MuxFrame[] = [];
  private scheduled = false;

  constructor(private readonly write: (batch: MuxBatch) => void) {}

  push(frame: MuxFrame): void {
    this.frames.push(frame);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes what is queued now; also called directly before a stream ends. */
  flush(): void {
    this.scheduled = false;
    if (this.frames.length === 0) return;
    const frames = this.frames;
    this.frames = [];
    this.write(batchOf(frames));
  }
}

export const startFrame = (callId: number, method: string, request: Uint8Array): MuxFrame => ({
  $typeName: "switchyard.v1.MuxFrame",
  callId,
  kind: { case: "start", value: { $typeName: "switchyard.v1.MuxStart", method, request } },
});

export const cancelFrame = (callId: number): MuxFrame => ({ $typeName: "switchyard.v1.MuxFrame", callId, kind: { case: "cancel", value: true } });

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
