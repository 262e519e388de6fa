import * as grpc from "@grpc/grpc-js";

/** What a handler knows of its call besides the request. */
export interface CallContext {
  /** Aborted when the caller cancels or its deadline passes. Made on first use: prefer `cancelled` and `onCancel`. */
  readonly signal: AbortSignal;
  /** True once the caller cancelled or its deadline passed. */
  readonly cancelled: boolean;
  /** Runs `listener` once when the call is cancelled; returns what removes it. */
  onCancel(listener: () => void): () => void;
  readonly metadata: grpc.Metadata;
}

/**
 * Given as the abort reason so no DOMException (with its stack trace) is built per call: grpc-js
 * reports "cancelled" for many calls, and that construction showed up in profiles.
 */
export const CALL_CANCELLED: Error = Object.freeze(Object.assign(new Error("the call was cancelled"), { name: "CallCancelled" }));

/** Multiplexed calls carry no metadata of their own; one shared empty set stands for it. */
const NO_METADATA = new grpc.Metadata();

/** What can cancel a call: a caller's request going away, a handler's call being cancelled. */
export interface Cancellable {
  readonly cancelled: boolean;
  /** Runs `listener` once when cancelled (soon, if already cancelled); returns what removes it. */
  onCancel(listener: () => void): () => void;
}

/**
 * A cancellation as a flag and a list of listeners, with an AbortSignal made only for code that
 * asks for one: on Node 20 every AbortController outlives the next scavenge, and most calls end
 * without being cancelled, so one per call only fed the GC.
 */
export class Cancellation implements Cancellable {
  cancelled = false;
  private listeners: (() => void)[] | undefined;
  private controller: AbortController | undefined;

  /** A cancellation that follows `signal` (tests, and callers that already hold a signal). */
  static following<C extends Cancellation>(this: new () => C, signal: AbortSignal): C {
    const cancellation = new this();
    if (signal.aborted) cancellation.cancel();
    else signal.addEventListener("abort", () => cancellation.cancel(), { once: true });
    return cancellation;
  }

  /** Aborted (with CALL_CANCELLED) when this is cancelled; made on first use. */
  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      if (this.cancelled) controller.abort(CALL_CANCELLED);
      else this.onCancel(() => controller.abort(CALL_CANCELLED));
    }
    return this.controller.signal;
  }

  onCancel(listener: () => void): () => void {
    if (this.cancelled) {
      queueMicrotask(listener);
      return () => {};
    }
    (this.listeners ??= []).push(listener);
    return () => {
      const at = this.listeners?.indexOf(listener) ?? -1;
      if (at >= 0) this.listeners!.splice(at, 1);
    };
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    listeners?.forEach((listener) => listener());
  }
}

/** A served call's cancellation, with the call's metadata. */
export class CallCancellation extends Cancellation implements CallContext {
  constructor(readonly metadata: grpc.Metadata = NO_METADATA) {
    super();
  }
}
