import * as grpc from "@grpc/grpc-js";
import type { MuxBatch, MuxFrame } from "@switchyard/proto";
import { activeTraceparent } from "@switchyard/telemetry";
import type { Cancellable } from "./call-context.js";
import { cancelFrame, FrameOutbox, muxOpenDefinition as open, pauseFrame, resumeFrame, startFrame } from "./mux-frames.js";

/** Shaped like grpc-js's ServiceError, so callers check `code` the same way for both transports. */
export class MuxCallError extends Error {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`${code} ${grpc.status[code]}: ${details}`);
  }
}

/** What the stream delivers to one call. */
export interface MuxCallSink {
  message(bytes: Uint8Array): void;
  /** The call is over: OK, a status from the server, or a local one (deadline, cancel, broken stream). */
  end(code: grpc.status, details: string): void;
}

/** One open `Multiplexer.Open` stream and the calls riding on it. */
class Session {
  readonly calls = new Map<number, MuxCallSink>();
  private readonly outbox = new FrameOutbox((batch) => {
    if (!this.closed) this.stream.write(batch);
  });
  closed = false;

  constructor(
    readonly stream: grpc.ClientDuplexStream<MuxBatch, MuxBatch>,
    onClosed: (session: Session) => void,
  ) {
    stream.on("data", (batch: MuxBatch) => {
      for (const frame of batch.frames) this.receive(frame);
    });
    // grpc-js reports the end of a stream as `status` (always) and `error` (when not OK).
    stream.on("error", () => {});
    stream.on("status", (status: grpc.StatusObject) => {
      this.closed = true;
      onClosed(this);
      // However the stream ended, its calls did not finish: to the caller the peer went away,
      // unless it refused the stream's credentials, which another try would not change.
      const details = `the multiplexed stream ended (${grpc.status[status.code]}: ${status.details})`;
      const code = status.code === grpc.status.UNAUTHENTICATED ? status.code : grpc.status.UNAVAILABLE;
      for (const sink of this.calls.values()) sink.end(code, details);
      this.calls.clear();
    });
  }

  send(frame: MuxFrame): void {
    this.outbox.push(frame);
  }

  private receive(frame: MuxFrame): void {
    const sink = this.calls.get(frame.callId);
    if (!sink) return; // cancelled or timed out here already
    if (frame.kind.case === "message") sink.message(frame.kind.value);
    else if (frame.kind.case === "end") {
      this.calls.delete(frame.callId);
      sink.end(frame.kind.value.code, frame.kind.value.details);
    }
  }
}

/** A call in flight on a stream, as its caller holds it. */
export class MuxCall {
  constructor(
    private readonly session: Session,
    private readonly id: number,
    private readonly sink: MuxCallSink,
  ) {}

  /** Ends the call: here at once (the sink hears `code`), and on the server. */
  cancel(code: grpc.status, details: string): void {
    if (!this.session.calls.delete(this.id)) return;
    if (!this.session.closed) this.session.send(cancelFrame(this.id));
    this.sink.end(code, details);
  }

  /** Asks the server to send no more messages of this call until `resume`. */
  pause(): void {
    if (this.live) this.session.send(pauseFrame(this.id));
  }

  resume(): void {
    if (this.live) this.session.send(resumeFrame(this.id));
  }

  private get live(): boolean {
    return !this.session.closed && this.session.calls.has(this.id);
  }
}

/**
 * Calls over one long-lived `Multiplexer.Open` stream on a grpc-js client's channel. The stream
 * opens on first use and again on the next call after it breaks; a break ends every call on it
 * as UNAVAILABLE, which callers treat like an unreachable peer.
 */
export class MuxChannel {
  private session: Session | undefined;
  private nextId = 1;

  constructor(
    private readonly client: grpc.Client,
    /** The stream's metadata (the mesh secret): checked once, when the stream opens. */
    private readonly metadata: () => grpc.Metadata = () => new grpc.Metadata(),
  ) {}

  /** Starts a call; the returned handle cancels it, or holds back and lets go its messages. */
  start(method: string, request: Uint8Array, sink: MuxCallSink): MuxCall {
    const session = (this.session ??= this.open());
    const id = this.nextId;
    this.nextId = id >= 0xffff_fff0 ? 1 : id + 1;
    session.calls.set(id, sink);
    session.send(startFrame(id, method, request, activeTraceparent()));
    return new MuxCall(session, id, sink);
  }

  close(): void {
    this.session?.stream.end();
    this.session = undefined;
  }

  private open(): Session {
    const stream = this.client.makeBidiStreamRequest(open.path, open.requestSerialize, open.responseDeserialize, this.metadata(), {});
    return new Session(stream, (closed) => {
      if (this.session === closed) this.session = undefined;
    });
  }
}

interface CallLimits {
  timeoutMs?: number | undefined;
  cancellation?: Cancellable | undefined;
}

/** Arms the deadline and the cancellation of one call; returns what disarms them. */
function guard(limits: CallLimits, call: Pick<MuxCall, "cancel">): () => void {
  const timer = limits.timeoutMs
    ? setTimeout(() => call.cancel(grpc.status.DEADLINE_EXCEEDED, "Deadline exceeded"), limits.timeoutMs)
    : undefined;
  const stopListening = limits.cancellation?.onCancel(() => call.cancel(grpc.status.CANCELLED, "Cancelled on client"));
  return () => {
    if (timer) clearTimeout(timer);
    stopListening?.();
  };
}

export function muxUnary<O>(
  channel: MuxChannel,
  method: string,
  request: Uint8Array,
  decode: (bytes: Uint8Array) => O,
  limits: CallLimits,
): Promise<O> {
  return new Promise((resolve, reject) => {
    let response: O | undefined;
    let disarm = () => {};
    const call = channel.start(method, request, {
      message(bytes) {
        response ??= decode(bytes);
      },
      end(code, details) {
        disarm();
        if (code !== grpc.status.OK) reject(new MuxCallError(code, details));
        else if (response === undefined) reject(new MuxCallError(grpc.status.INTERNAL, "the server sent no response"));
        else resolve(response);
      },
    });
    disarm = guard(limits, call);
  });
}

/** Unread bytes of one streamed call at which the server is asked to pause it, and to resume. */
export const MUX_PAUSE_AT_BYTES = 128 * 1024;
export const MUX_RESUME_AT_BYTES = 32 * 1024;

/**
 * A server-streaming call as an async iterable. Messages that arrive before the caller asks for
 * them wait in memory, up to about `MUX_PAUSE_AT_BYTES`: then the server holds the call back
 * (and, in the connector, the upstream with it) until the caller has read all but
 * `MUX_RESUME_AT_BYTES` of them. Model answers arrive at the pace of tokens and never get there;
 * a long answer to a client that reads slowly does.
 */
export function muxServerStream<O>(
  channel: MuxChannel,
  method: string,
  request: Uint8Array,
  decode: (bytes: Uint8Array) => O,
  limits: CallLimits,
): AsyncIterable<O> {
  const queue: O[] = [];
  const sizes: number[] = [];
  let unreadBytes = 0;
  let paused = false;
  let ended: { code: grpc.status; details: string } | undefined;
  let waiting: { resolve: (result: IteratorResult<O>) => void; reject: (error: Error) => void } | undefined;
  let disarm = () => {};

  const settle = () => {
    if (!waiting) return;
    const { resolve, reject } = waiting;
    if (queue.length > 0) {
      unreadBytes -= sizes.shift()!;
      if (paused && unreadBytes <= MUX_RESUME_AT_BYTES) {
        paused = false;
        call.resume();
      }
      resolve({ value: queue.shift()!, done: false });
    } else if (!ended) return;
    else if (ended.code === grpc.status.OK) resolve({ value: undefined, done: true });
    else reject(new MuxCallError(ended.code, ended.details));
    waiting = undefined;
  };
  const call = channel.start(method, request, {
    message(bytes) {
      queue.push(decode(bytes));
      sizes.push(bytes.byteLength);
      unreadBytes += bytes.byteLength;
      settle();
      // Checked after a waiting reader took its message: one big message is no reason to pause.
      if (!paused && unreadBytes > MUX_PAUSE_AT_BYTES) {
        paused = true;
        call.pause();
      }
    },
    end(code, details) {
      disarm();
      ended = { code, details };
      settle();
    },
  });
  // A caller that gives up hears it at once, not after the messages still queued.
  const giveUp = {
    cancel(code: grpc.status, details: string) {
      queue.length = 0;
      sizes.length = 0;
      call.cancel(code, details);
    },
  };
  disarm = guard(limits, giveUp);

  const iterator: AsyncIterator<O> = {
    next: () =>
      new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        settle();
      }),
    return: () => {
      giveUp.cancel(grpc.status.CANCELLED, "Cancelled on client");
      return Promise.resolve({ value: undefined, done: true });
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}
