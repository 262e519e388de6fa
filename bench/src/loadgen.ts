// The load generator: its own process (forked by the bench with an IPC channel), so neither the
// upstream nor the orchestrator shares its event loop. Send times come from a ticker thread that
// sleeps with Atomics.wait (sub-millisecond, no spinning), because libuv timers only have
// millisecond resolution.
import { randomBytes } from "node:crypto";
import { Worker } from "node:worker_threads";
import { Pool } from "undici";
import type { FromLoadgen, Job, RequestSpec, RunResult, ToLoadgen, Window } from "./loadgen-protocol.js";
import { Samples } from "./stats.js";

const send = (message: FromLoadgen) => process.send?.(message);

// --- ticker thread -----------------------------------------------------------------------------

const TICKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const now = () => performance.timeOrigin + performance.now();
parentPort.on("message", ({ t0, interval, total, stop }) => {
  const flag = new Int32Array(stop);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < total; i++) {
    if (Atomics.load(flag, 0) !== 0) break;
    const wait = t0 + i * interval - now();
    if (wait > 0.02) Atomics.wait(sleeper, 0, 0, wait);
    parentPort.postMessage(i);
  }
  parentPort.postMessage(-1);
});
`;

class Ticker {
  private readonly worker = new Worker(TICKER_SOURCE, { eval: true });
  private onTick: ((i: number) => void) | undefined;
  private stopFlag = new Int32Array(new SharedArrayBuffer(4));

  constructor() {
    this.worker.on("message", (i: number) => this.onTick?.(i));
    this.worker.unref();
  }

  /** Calls `tick(i, intended)` at t0 + i·interval (performance.now() clock of this thread) for i < total. */
  run(t0: number, interval: number, total: number, tick: (i: number, intended: number) => void): Promise<void> {
    return new Promise((resolve) => {
      this.stopFlag = new Int32Array(new SharedArrayBuffer(4));
      this.onTick = (i) => {
        if (i < 0) {
          this.onTick = undefined;
          resolve();
        } else tick(i, t0 + i * interval);
      };
      this.worker.postMessage({ t0: performance.timeOrigin + t0, interval, total, stop: this.stopFlag.buffer });
    });
  }

  stop(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }
}

const ticker = new Ticker();

// --- requests ----------------------------------------------------------------------------------

interface Prepared {
  path: string;
  headers: Record<string, string>;
  parts: string[];
  body: string;
  unique: boolean;
  stream: boolean;
}

function prepare(spec: RequestSpec): Prepared {
  return {
    path: spec.path,
    headers: { "content-type": "application/json", ...spec.headers },
    parts: spec.body.split("__NONCE__"),
    body: spec.body,
    unique: spec.unique === true,
    stream: spec.stream === true,
  };
}

const pools = new Map<string, Pool>();
function poolFor(origin: string, connections: number, timeoutMs: number, shared: boolean): Pool {
  const key = `${origin}|${connections}|${timeoutMs}`;
  const existing = shared ? pools.get(key) : undefined;
  if (existing) return existing;
  const pool = new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 120_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: 10_000 },
  });
  if (shared) pools.set(key, pool);
  return pool;
}

class Recorder {
  readonly latency = new Samples(4096);
  readonly service = new Samples(4096);
  readonly ttft = new Samples(1024);
  readonly lag = new Samples(4096);
  readonly statuses: Record<string, number> = {};
  readonly cacheHeader: Record<string, number> = {};
  readonly errors: string[] = [];
  sent = 0;
  responses = 0;
  ok = 0;
  failures = 0;
  incompleteStreams = 0;
  inFlight = 0;
  // window (soak)
  windowLatency = new Samples(4096);
  windowResponses = 0;
  windowFailures = 0;
  windowErrorStatuses = 0;
  /** Sum of x-switchyard-cost over 2xx answers (what the gateway priced). */
  costUsd = 0;
  readonly windows: Window[] = [];
  private drained: (() => void) | undefined;

  error(message: string): void {
    this.failures++;
    this.windowFailures++;
    if (this.errors.length < 8) this.errors.push(message);
  }

  settled(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.drained?.();
  }

  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }
}

interface FireOptions {
  pool: Pool;
  prepared: Prepared;
  auth: string | undefined;
  nonce: string;
  rec: Recorder;
  /** Latency origin: the intended send time (open loop) or undefined (from the actual send). */
  intended?: number;
  onFirstBytes?: () => void;
}

async function fire(o: FireOptions): Promise<void> {
  const { rec, prepared } = o;
  const body = prepared.unique ? prepared.parts.join(o.nonce) : prepared.body;
  const headers = o.auth ? { ...prepared.headers, authorization: `Bearer ${o.auth}` } : prepared.headers;
  rec.sent++;
  rec.inFlight++;
  const sent = performance.now();
  const origin = o.intended ?? sent;
  if (o.intended !== undefined) rec.lag.push(sent - o.intended);
  let gotResponse = false;
  try {
    const response = await o.pool.request({ method: "POST", path: prepared.path, headers, body });
    gotResponse = true;
    rec.responses++;
    rec.windowResponses++;
    const status = String(response.statusCode);
    rec.statuses[status] = (rec.statuses[status] ?? 0) + 1;
    const cache = response.headers["x-switchyard-cache"];
    if (typeof cache === "string") rec.cacheHeader[cache] = (rec.cacheHeader[cache] ?? 0) + 1;
    if (prepared.stream && response.statusCode === 200) {
      let first = 0;
      let tail = "";
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        if (first === 0) {
          first = performance.now();
          rec.ttft.push(first - origin);
          o.onFirstBytes?.();
        }
        tail = (tail + chunk.toString("latin1")).slice(-64);
      }
      if (!tail.includes("[DONE]")) rec.incompleteStreams++;
    } else {
      const bytes = await response.body.arrayBuffer();
      if (response.statusCode >= 400 && rec.errors.length < 8) {
        rec.errors.push(`HTTP ${status}: ${Buffer.from(bytes).toString("utf8").slice(0, 200)}`);
      }
    }
    const done = performance.now();
    rec.latency.push(done - origin);
    rec.service.push(done - sent);
    rec.windowLatency.push(done - origin);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      rec.ok++;
      const cost = Number(response.headers["x-switchyard-cost"]);
      if (Number.isFinite(cost)) rec.costUsd += cost;
    } else rec.windowErrorStatuses++;
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (gotResponse) rec.incompleteStreams++;
    rec.error(message);
  } finally {
    rec.settled();
  }
}

function result(job: Job, rec: Recorder, elapsedS: number): RunResult {
  const out: RunResult = {
    label: job.label,
    mode: job.mode,
    sent: rec.sent,
    responses: rec.responses,
    ok: rec.ok,
    failures: rec.failures,
    statuses: rec.statuses,
    cacheHeader: rec.cacheHeader,
    incompleteStreams: rec.incompleteStreams,
    elapsedS,
    achievedRps: elapsedS > 0 ? rec.responses / elapsedS : 0,
    latency: rec.latency.summary(),
    service: rec.service.summary(),
    errors: rec.errors,
    costUsd: rec.costUsd,
  };
  if (job.rate !== undefined) out.targetRps = job.rate;
  if (job.concurrency !== undefined) out.concurrency = job.concurrency;
  if (rec.ttft.length > 0) out.ttft = rec.ttft.summary();
  if (rec.lag.length > 0) out.lag = rec.lag.summary();
  if (rec.windows.length > 0) out.windows = rec.windows;
  return out;
}

// --- modes -------------------------------------------------------------------------------------

async function runJob(job: Job): Promise<RunResult> {
  const timeoutMs = job.timeoutMs ?? 30_000;
  const prepared = job.requests.map(prepare);
  if (prepared.length === 0) throw new Error("a job needs at least one request");
  const jobNonce = randomBytes(6).toString("hex");
  const rec = new Recorder();
  let n = 0;
  const next = () => {
    const i = n++;
    return {
      prepared: prepared[i % prepared.length]!,
      auth: job.authKeys && job.authKeys.length > 0 ? job.authKeys[i % job.authKeys.length] : undefined,
      nonce: `${jobNonce}-${i}`,
    };
  };

  if (job.mode === "serial" || job.mode === "closed") {
    const concurrency = job.mode === "serial" ? 1 : (job.concurrency ?? 64);
    const pool = poolFor(job.origin, job.connections ?? concurrency, timeoutMs, true);
    const started = performance.now();
    const deadline = job.durationS !== undefined ? started + job.durationS * 1000 : Infinity;
    const limit = job.count ?? Infinity;
    const worker = async () => {
      while (performance.now() < deadline && n < limit) await fire({ pool, rec, ...next() });
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return result(job, rec, (performance.now() - started) / 1000);
  }

  if (job.mode === "open") {
    const rate = job.rate ?? 100;
    const total = Math.max(1, Math.round(rate * (job.durationS ?? 5)));
    const pool = poolFor(job.origin, job.connections ?? 256, timeoutMs, true);
    const t0 = performance.now() + 20;
    let windowTimer: NodeJS.Timeout | undefined;
    if (job.windowS) {
      windowTimer = setInterval(() => {
        const s = rec.windowLatency.summary();
        const window: Window = {
          tS: Math.round((performance.now() - t0) / 100) / 10,
          responses: rec.windowResponses,
          failures: rec.windowFailures,
          errorStatuses: rec.windowErrorStatuses,
          p50: s.p50,
          p99: s.p99,
          max: s.max,
        };
        rec.windows.push(window);
        send({ type: "window", id: job.id, window });
        rec.windowLatency = new Samples(4096);
        rec.windowResponses = 0;
        rec.windowFailures = 0;
        rec.windowErrorStatuses = 0;
      }, job.windowS * 1000);
    }
    await ticker.run(t0, 1000 / rate, total, (_i, intended) => void fire({ pool, rec, intended, ...next() }));
    await rec.drain();
    if (windowTimer) clearInterval(windowTimer);
    return result(job, rec, (performance.now() - t0) / 1000);
  }

  // hold
  const count = job.count ?? 1000;
  const rate = job.rate ?? 1000;
  const pool = poolFor(job.origin, count + 16, timeoutMs, false);
  const t0 = performance.now() + 20;
  let open = 0;
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    send({ type: "holding", id: job.id, open, failed: rec.failures, elapsedMs: performance.now() - t0 });
  };
  const openTimer = setTimeout(report, job.openTimeoutMs ?? 20_000);
  const onFirstBytes = () => {
    open++;
    if (open + rec.failures >= count) report();
  };
  await ticker.run(t0, 1000 / rate, count, (_i, intended) => void fire({ pool, rec, intended, onFirstBytes, ...next() }));
  await rec.drain();
  clearTimeout(openTimer);
  report();
  await pool.close();
  return result(job, rec, (performance.now() - t0) / 1000);
}

// --- IPC ---------------------------------------------------------------------------------------

let queue = Promise.resolve();
process.on("message", (message: ToLoadgen) => {
  if (message.type === "exit") {
    ticker.stop();
    void Promise.allSettled([...pools.values()].map((p) => p.destroy())).then(() => process.exit(0));
    return;
  }
  const job = message.job;
  queue = queue.then(async () => {
    try {
      send({ type: "result", id: job.id, result: await runJob(job) });
    } catch (error) {
      send({ type: "failed", id: job.id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
});
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
