// Per-process CPU time and memory straight from /proc (Linux): more precise than sampling
// Prometheus metrics, and it covers nats-server and redis-server too.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_S = 100; // USER_HZ; `getconf CLK_TCK` is 100 on every mainstream Linux

export interface Tracked {
  /** Switchyard service name (ingress, connector-up…) or a helper (nats-server, upstream, loadgen). */
  name: string;
  pid: number;
  /** True for the gateway's own Node services (their memory must level off). */
  service: boolean;
}

/**
 * CPU seconds the whole process has run (every thread), or undefined when it is gone. From the
 * scheduler's nanosecond counters (/proc/<pid>/task/<tid>/schedstat) where the kernel has them;
 * otherwise from utime + stime, which advance in 10 ms ticks.
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ", 1)[0]);
    }
    if (Number.isFinite(ns) && ns > 0) return ns / 1e9;
  } catch {
    // no schedstat (or the process is gone): fall back to /proc/<pid>/stat
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

export interface Memory {
  /** Resident set now, bytes. */
  rss: number;
  /** Peak resident set since the process started (VmHWM), bytes. */
  hwm: number;
}

export function memory(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return undefined;
  }
}

/** Children of `parent` whose command name is one of `names` (finds the nats/redis servers we started). */
export function childrenNamed(parent: number, names: readonly string[]): { pid: number; name: string }[] {
  const found: { pid: number; name: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent && names.includes(name)) found.push({ pid: Number(entry), name });
    } catch {
      // gone while we looked
    }
  }
  return found;
}

export type CpuSnapshot = Map<string, number>;

export function cpuSnapshot(tracked: readonly Tracked[]): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  for (const t of tracked) {
    const cpu = cpuSeconds(t.pid);
    if (cpu !== undefined) snapshot.set(t.name, cpu);
  }
  return snapshot;
}

/** CPU seconds each process used between two snapshots. */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, end] of after) {
    const start = before.get(name);
    if (start !== undefined) out[name] = end - start;
  }
  return out;
}

/** Samples RSS of every tracked process in the background and keeps the peak per phase. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private phase = "start";
  readonly peaks: Record<string, Record<string, number>> = {};

  constructor(
    private readonly tracked: () => readonly Tracked[],
    private readonly everyMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  setPhase(phase: string): void {
    this.sample();
    this.phase = phase;
    this.sample();
  }

  sample(): Record<string, number> {
    const now: Record<string, number> = {};
    const peaks = (this.peaks[this.phase] ??= {});
    for (const t of this.tracked()) {
      const m = memory(t.pid);
      if (!m) continue;
      now[t.name] = m.rss;
      peaks[t.name] = Math.max(peaks[t.name] ?? 0, m.rss);
    }
    return now;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }
}

export function rssNow(tracked: readonly Tracked[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tracked) {
    const m = memory(t.pid);
    if (m) out[t.name] = m.rss;
  }
  return out;
}

export function hwmNow(tracked: readonly Tracked[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tracked) {
    const m = memory(t.pid);
    if (m) out[t.name] = m.hwm;
  }
  return out;
}

/** CPU seconds the whole machine spent busy (all cores, every process), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) / TICKS_PER_S;
}
