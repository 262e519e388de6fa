import type { Summary } from "./stats.js";

/** One kind of request; a job sends its specs round-robin. */
export interface RequestSpec {
  path: string;
  headers: Record<string, string>;
  /** JSON text. With `unique`, every `__NONCE__` becomes a value never sent before (a cache miss). */
  body: string;
  unique?: boolean;
  /** Read the answer as SSE and record the time to the first body bytes. */
  stream?: boolean;
}

export type JobMode =
  /** Evenly spaced intended send times; latency from the intended time (no coordinated omission). */
  | "open"
  /** `concurrency` connections, each sending its next request when the last one ended (saturation). */
  | "closed"
  /** One request at a time, `count` of them. */
  | "serial"
  /** Opens `count` streams at `rate`, reports when every one has its first bytes, then waits for them to end. */
  | "hold";

export interface Job {
  id: number;
  label: string;
  origin: string;
  mode: JobMode;
  requests: RequestSpec[];
  /** When set, `authorization: Bearer <key>` rotates over these keys. */
  authKeys?: string[];
  rate?: number;
  durationS?: number;
  concurrency?: number;
  count?: number;
  /** Most connections the job's pool opens (open loop: requests beyond this queue in the client, still timed). */
  connections?: number;
  timeoutMs?: number;
  /** Report a latency summary per window of this many seconds (soak). */
  windowS?: number;
  /** hold: how long to wait for every stream's first bytes before reporting anyway. */
  openTimeoutMs?: number;
}

export interface Window {
  /** Seconds since the job started, at the window's end. */
  tS: number;
  responses: number;
  failures: number;
  /** Answers with a status outside 2xx. */
  errorStatuses?: number;
  p50: number;
  p99: number;
  max: number;
}

export interface RunResult {
  label: string;
  mode: JobMode;
  targetRps?: number;
  concurrency?: number;
  sent: number;
  /** Requests that got an HTTP response (any status). */
  responses: number;
  /** 2xx responses whose body arrived complete. */
  ok: number;
  /** No response, or a body that broke off: transport errors and timeouts. */
  failures: number;
  statuses: Record<string, number>;
  /** Values of x-switchyard-cache seen (proves the path taken). */
  cacheHeader: Record<string, number>;
  incompleteStreams: number;
  elapsedS: number;
  /** Responses per second over the run. */
  achievedRps: number;
  /** open: from the intended send time; otherwise from the actual send. Until the last body byte. */
  latency: Summary;
  /** From the actual send time (open loop: what a coordinated-omission harness would report). */
  service: Summary;
  /** Streams: until the first body bytes, measured like `latency`. */
  ttft?: Summary;
  /** open: actual send minus intended send (the harness's own scheduling delay). */
  lag?: Summary;
  windows?: Window[];
  errors: string[];
  /** Sum of the x-switchyard-cost headers of 2xx answers. */
  costUsd?: number;
}

export type ToLoadgen = { type: "run"; job: Job } | { type: "exit" };

export type FromLoadgen =
  | { type: "ready" }
  | { type: "result"; id: number; result: RunResult }
  | { type: "failed"; id: number; message: string }
  | { type: "window"; id: number; window: Window }
  | { type: "holding"; id: number; open: number; failed: number; elapsedMs: number };
