import type { MuxBatch, MuxFrame } from "@switchyard/proto";

// Frames are built as complete message literals: `create()` walks the schema for every frame,
// which showed up in the ingress's profile at a few thousand calls a second.

export const batchOf = (frames: MuxFrame[]): MuxBatch => ({ $typeName: "switchyard.v1.MuxBatch", frames });

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
