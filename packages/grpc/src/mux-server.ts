import { fromBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import type { MuxBatch, MuxFrame } from "@switchyard/proto";
import { CallCancellation } from "./call-context.js";
import { endFrame, FrameOutbox, messageFrame } from "./mux-frames.js";
import type { MethodRunner } from "./server.js";

export interface MuxServerHooks {
  /** Wraps every call, so in-flight counts and graceful drains include multiplexed calls. */
  track(work: () => Promise<void>): Promise<void>;
  /** The status for an error a handler threw (and the report of it). */
  statusOf(error: unknown, method: string): { code: grpc.status; details: string };
}

/**
 * Serves `Multiplexer.Open` streams: each start frame runs the named method's handler, its
 * messages and final status go back as frames. While draining, new calls are refused as
 * UNAVAILABLE (the caller tries another replica) and idle streams are closed.
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

class ServerSession {
  private readonly calls = new Map<number, CallCancellation>();
  private readonly outbox = new FrameOutbox((batch) => this.stream.write(batch));
  private closed = false;

  constructor(
    private readonly stream: grpc.ServerDuplexStream<MuxBatch, MuxBatch>,
    private readonly server: MuxServer,
  ) {
    stream.on("data", (batch: MuxBatch) => {
      for (const frame of batch.frames) {
        if (frame.kind.case === "start") this.start(frame.callId, frame.kind.value.method, frame.kind.value.request);
        else if (frame.kind.case === "cancel") this.calls.get(frame.callId)?.cancel();
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

  private start(callId: number, path: string, requestBytes: Uint8Array): void {
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
    const call = new CallCancellation();
    this.calls.set(callId, call);
    const emit = (message: unknown) => {
      if (!call.cancelled) this.send(messageFrame(callId, method.encode(message)));
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

  private send(frame: MuxFrame): void {
    // Answers finished in the same turn of the event loop leave as one gRPC message.
    if (!this.closed) this.outbox.push(frame);
  }
}
