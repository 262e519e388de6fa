import { once } from "node:events";
import { fromBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import type { MuxBatch, MuxFrame } from "@switchyard/proto";
import { CallCancellation } from "./call-context.js";
import type { MethodRunner } from "./method-runner.js";
import { endFrame, FrameOutbox, messageFrame } from "./mux-frames.js";

export interface MuxServerHooks {
  /** Wraps every call, so in-flight counts and graceful drains include multiplexed calls. */
  track(work: () => Promise<void>): Promise<void>;
  /** The status for an error a handler threw (and the report of it). */
  statusOf(error: unknown, method: string): { code: grpc.status; details: string };
}

/**
 * Serves `Multiplexer.Open` streams: each start frame runs the named method's handler, its
 * messages and final status go back as frames; pause and resume frames hold a call's handler.
 * While draining, new calls are refused as UNAVAILABLE (the caller tries another replica) and
 * idle streams are closed.
 */
export class MuxServer {
  private readonly sessions = new Set<ServerSession>();
  private draining = false;

  constructor(
    private readonly methods: ReadonlyMap<string, MethodRunner>,
    private readonly hooks: MuxServerHooks,
  ) {}

  readonly open = (stream: grpc.ServerDuplexStream<MuxBatch, MuxBatch>): void => {
    const session = new ServerSession(stream, this);
    this.sessions.add(session);
    const forget = () => this.sessions.delete(session);
    for (const event of ["close", "cancelled", "error"]) stream.once(event, forget);
  };

  get isDraining(): boolean {
    return this.draining;
  }

  /** Refuses new calls from now on; streams close as their last call ends. */
  drain(): void {
    this.draining = true;
    for (const session of this.sessions) session.closeWhenIdle();
  }

  /** @internal */
  method(path: string): MethodRunner | undefined {
    return this.methods.get(path);
  }

  /** @internal */
  get hooksOf(): MuxServerHooks {
    return this.hooks;
  }
}

/**
 * Message bytes queued on a stream at which a call's handler waits for them to be written: a
 * handler that produces without waiting on anything would otherwise fill the outbox in one turn
 * of the event loop, before a pause from the caller could even be read.
 */
const YIELD_AT_BYTES = 64 * 1024;

/** What a traced multiplexed call's handler sees, as a call of its own would carry it. */
function tracedMetadata(traceparent: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("traceparent", traceparent);
  return metadata;
}

/** A multiplexed call being served: cancellable, and held back while its caller asks for a pause. */
class ServedCall extends CallCancellation {
  paused = false;
  private waiters: (() => void)[] | undefined;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.release();
  }

  override cancel(): void {
    super.cancel();
    this.release();
  }

  /** Settles when the caller resumes the call, `ready` settles, or the call is cancelled. */
  until(ready?: Promise<void>): Promise<void> {
    if (this.cancelled) return Promise.resolve();
    return new Promise((resolve) => {
      (this.waiters ??= []).push(resolve);
      void ready?.then(resolve);
    });
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = undefined;
    waiters?.forEach((resolve) => resolve());
  }
}

class ServerSession {
  private readonly calls = new Map<number, ServedCall>();
  private readonly outbox = new FrameOutbox((batch) => {
    // HTTP/2 flow control: the stream's reader is behind, so every call on it waits.
    if (!this.stream.write(batch)) this.full ??= once(this.stream, "drain").then(this.roomAgain, this.roomAgain);
  });
  /** Set while the stream has no room; settles when it has. */
  private full: Promise<void> | undefined;
  private readonly roomAgain = () => {
    this.full = undefined;
  };
  private closed = false;

  constructor(
    private readonly stream: grpc.ServerDuplexStream<MuxBatch, MuxBatch>,
    private readonly server: MuxServer,
  ) {
    stream.on("data", (batch: MuxBatch) => {
      for (const frame of batch.frames) {
        if (frame.kind.case === "start")
          this.start(frame.callId, frame.kind.value.method, frame.kind.value.request, frame.kind.value.traceparent);
        else if (frame.kind.case === "cancel") this.calls.get(frame.callId)?.cancel();
        else if (frame.kind.case === "pause") this.calls.get(frame.callId)?.pause();
        else if (frame.kind.case === "resume") this.calls.get(frame.callId)?.resume();
      }
    });
    const abandon = () => {
      this.closed = true;
      for (const call of this.calls.values()) call.cancel();
      this.calls.clear();
    };
    stream.once("cancelled", abandon);
    stream.once("error", abandon);
    // The client half-closed: it will send no more calls; finish the ones in hand, then end.
    stream.once("end", () => this.closeWhenIdle());
  }

  closeWhenIdle(): void {
    if (this.calls.size > 0 || this.closed) return;
    this.closed = true;
    this.outbox.flush();
    this.stream.end();
  }

  private start(callId: number, path: string, requestBytes: Uint8Array, traceparent: string): void {
    const { hooksOf: hooks } = this.server;
    const method = this.server.method(path);
    if (!method) return this.end(callId, grpc.status.UNIMPLEMENTED, `${path} is not served here`);
    if (this.server.isDraining) return this.end(callId, grpc.status.UNAVAILABLE, "the server is shutting down");
    let request: unknown;
    try {
      request = fromBinary(method.input, requestBytes);
    } catch {
      return this.end(callId, grpc.status.INTERNAL, "the request could not be decoded");
    }
    const call = new ServedCall(traceparent ? tracedMetadata(traceparent) : undefined);
    this.calls.set(callId, call);
    // The runner waits for what this returns before it asks the handler for the next message,
    // so a paused call's handler (and what it reads from) stops where it is.
    const emit = (message: unknown): Promise<void> | undefined => {
      if (call.cancelled) return undefined;
      const bytes = method.encode(message);
      this.send(messageFrame(callId, bytes), bytes.byteLength);
      if (call.paused) return call.until();
      if (this.outbox.queuedBytes >= YIELD_AT_BYTES) return call.until(this.outbox.written());
      if (this.full) return call.until(this.full);
      return undefined;
    };
    void hooks.track(async () => {
      try {
        await method.run(request, call, emit);
        if (!call.cancelled) this.end(callId, grpc.status.OK, "");
      } catch (error) {
        if (call.cancelled) return;
        const status = hooks.statusOf(error, path);
        this.end(callId, status.code, status.details);
      } finally {
        this.calls.delete(callId);
        if (this.server.isDraining) this.closeWhenIdle();
      }
    });
  }

  private end(callId: number, code: grpc.status, details: string): void {
    this.send(endFrame(callId, code, details));
  }

  private send(frame: MuxFrame, bytes = 0): void {
    // Answers finished in the same turn of the event loop leave as one gRPC message.
    if (!this.closed) this.outbox.push(frame, bytes);
  }
}
