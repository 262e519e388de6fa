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

/** How this machine's CPUs sleep when idle, where Linux says (`/sys`); absent fields were not readable. */
export interface IdlePolicy {
  /** The cpuidle driver: `haltpoll` on KVM guests, `intel_idle`/`acpi_idle` on bare metal, … */
  driver?: string;
  /**
   * How long an idle guest CPU polls before it halts (haltpoll's `guest_halt_poll_ns`). At 0 every
   * idle moment halts the virtual CPU, and every wake-up goes through the host, which one request
   * at a time pays at every hand-over between processes (bench/README.md has the figures).
   */
  guestHaltPollNs?: number;
}

export const IDLE_DRIVER_FILE = "/sys/devices/system/cpu/cpuidle/current_driver";
export const HALT_POLL_FILE = "/sys/module/haltpoll/parameters/guest_halt_poll_ns";

/** The idle policy from the files above; `read` returns a file's text or undefined when it cannot be read. */
export function idlePolicyFrom(read: (path: string) => string | undefined): IdlePolicy {
  const driver = read(IDLE_DRIVER_FILE)?.trim();
  const pollNs = Number(read(HALT_POLL_FILE)?.trim() ?? Number.NaN);
  return {
    ...(driver && driver !== "none" ? { driver } : {}),
    ...(Number.isInteger(pollNs) && pollNs >= 0 ? { guestHaltPollNs: pollNs } : {}),
  };
}

/** One line for the report, or undefined when nothing was readable. */
export function describeIdlePolicy(policy: IdlePolicy): string | undefined {
  if (policy.driver === undefined && policy.guestHaltPollNs === undefined) return undefined;
  const driver = policy.driver ? `cpuidle driver ${policy.driver}` : "cpuidle driver unknown";
  if (policy.guestHaltPollNs === undefined) return `CPU idle: ${driver}.`;
  if (policy.guestHaltPollNs === 0) {
    return `CPU idle: ${driver}, guest halt polling off (guest_halt_poll_ns 0): an idle virtual CPU halts at once and every wake-up goes through the host, so each process's first code after a wait runs cold; this alone has measured 0.1–0.4 ms of the full path's p50 one at a time (bench/README).`;
  }
  return `CPU idle: ${driver}, guest halt polling for up to ${(policy.guestHaltPollNs / 1000).toFixed(0)} µs before a virtual CPU halts.`;
}
