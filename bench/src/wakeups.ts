// How late this machine wakes a sleeping process, measured before anything else runs. A request
// through the gateway is a chain of about six wake-ups (client, ingress, connector, upstream and
// back); on a VM whose host sometimes runs other guests on our cores, a few of them land
// milliseconds late whatever the gateway does, and that sets a floor under every p99 here.
import { summarize } from "./stats.js";

/** How many sleeps the check takes, and how long each asks for. */
export const WAKEUP_SLEEPS = 10_000;
export const WAKEUP_SLEEP_MS = 0.2;

export interface WakeupLateness {
  sleeps: number;
  sleepMs: number;
  /** How much later than asked the sleeps ended, ms. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Share of the sleeps that ended more than 1 ms / 2 ms late. */
  over1msShare: number;
  over2msShare: number;
}

/** Sleeps `sleeps` times for `sleepMs` each (a futex wait with a timeout, as an idle event loop does) and summarises how late each woke. */
export function measureWakeups(sleeps = WAKEUP_SLEEPS, sleepMs = WAKEUP_SLEEP_MS): WakeupLateness {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const lateness = new Float64Array(sleeps);
  for (let i = 0; i < sleeps; i++) {
    const started = performance.now();
    Atomics.wait(cell, 0, 0, sleepMs);
    lateness[i] = Math.max(0, performance.now() - started - sleepMs);
  }
  return summarizeLateness(lateness, sleepMs);
}

export function summarizeLateness(lateness: Float64Array, sleepMs: number): WakeupLateness {
  const { count, p50, p99, p999, max } = summarize(lateness);
  const share = (limitMs: number) => (count === 0 ? 0 : lateness.filter((late) => late > limitMs).length / count);
  return { sleeps: count, sleepMs, p50, p99, p999, max, over1msShare: share(1), over2msShare: share(2) };
}
