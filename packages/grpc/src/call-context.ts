import type * as grpc from "@grpc/grpc-js";

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

/**
 * A call's cancellation as a flag and a list of listeners. An AbortController (an EventTarget,
 * several objects and a listener map) is made only when a handler asks for `signal`: most calls
 * end without being cancelled, and a connector call made two of them before.
 */
export class CallCancellation implements CallContext {
  cancelled = false;
  private controller: AbortController | undefined;
  private listeners: (() => void)[] | undefined;

  constructor(readonly metadata: grpc.Metadata) {}

  /** A context cancelled when `signal` aborts (tests, and callers that already hold a signal). */
  static following(signal: AbortSignal, metadata = {} as grpc.Metadata): CallCancellation {
    const context = new CallCancellation(metadata);
    if (signal.aborted) context.cancel();
    else signal.addEventListener("abort", () => context.cancel(), { once: true });
    return context;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort(CALL_CANCELLED);
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
    this.controller?.abort(CALL_CANCELLED);
    const listeners = this.listeners;
    this.listeners = undefined;
    listeners?.forEach((listener) => listener());
  }
}
