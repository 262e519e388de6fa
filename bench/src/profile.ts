// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per package.
// Also a CLI: node bench/dist/profile.js <file.cpuprofile> [top] [seconds of start-up to skip]
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  selfMs: number;
  /** Share of the busy (non-idle) time. */
  pct: number;
  /** Who it runs for: the nearest caller outside Node's internals, with its share of this function's time. */
  calledFrom: { caller: string; pct: number }[];
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  idleMs: number;
  gcMs: number;
  top: SelfTime[];
  /** Self time grouped by package (node_modules package, node internals, Switchyard source). */
  byPackage: { name: string; selfMs: number; pct: number }[];
  /** Share of busy samples with the package anywhere on the synchronous stack. */
  byPackageInclusive: { name: string; totalMs: number; pct: number }[];
  /**
   * Total (inclusive) time of Switchyard's own functions: time on the CPU with the function on
   * the synchronous stack. Async continuations are separate stacks in V8 profiles.
   */
  ownInclusive: { name: string; where: string; totalMs: number; pct: number }[];
}

const SPECIAL = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);

/** A short, stable place name: `pkg/file.js:line` for dependencies, `services/x/dist/y.js:line` for ours. */
export function whereOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return "";
  const line = frame.lineNumber >= 0 ? `:${frame.lineNumber + 1}` : "";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) return `${url.slice(modules + "/node_modules/".length)}${line}`;
  const ours = /\/((?:services|packages|bench)\/.*)$/.exec(url);
  if (ours) return `${ours[1]}${line}`;
  return `${url.replace(/^file:\/\//, "")}${line}`;
}

export function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return SPECIAL.has(frame.functionName) ? frame.functionName : "(native / V8 builtins)";
  if (url.startsWith("node:")) return "node internals";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const parts = url.slice(modules + "/node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const ours = /\/(services|packages)\/([^/]+)\//.exec(url);
  if (ours) return `switchyard ${ours[1]}/${ours[2]}`;
  return url;
}

/**
 * `window`: only samples taken between these two monotonic-clock times, in microseconds (what
 * `process.hrtime.bigint() / 1000n` returns; V8 stamps profiles with the same clock), so process
 * start-up and shutdown stay out of the figures.
 */
export function summarizeProfile(path: string, topN = 20, range?: { fromUs?: number; toUs?: number; skipStartS?: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const window = range
    ? { fromUs: Math.max(range.fromUs ?? 0, profile.startTime + (range.skipStartS ?? 0) * 1e6), toUs: range.toUs ?? Infinity }
    : undefined;
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time between sample i-1 and sample i: it belongs to sample i-1's node.
  let at = profile.startTime;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    first = Math.min(first, at);
    last = Math.max(last, at);
    const id = profile.samples[i]!;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, delta));
  }
  /** The nearest ancestor that is not Node's own code or a builtin: the library or service code that asked for the work. */
  const callerOf = (id: number): string => {
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.url && !frame.url.startsWith("node:")) return `${packageOf(frame)}: ${frame.functionName || "(anonymous)"}`;
    }
    return "(no JS caller)";
  };
  const functions = new Map<string, { name: string; where: string; us: number; callers: Map<string, number> }>();
  const packages = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    total += us;
    if (frame.functionName === "(idle)") {
      idle += us;
      continue;
    }
    if (frame.functionName === "(garbage collector)") gc += us;
    const where = whereOf(frame);
    const name = frame.functionName || "(anonymous)";
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0, callers: new Map<string, number>() };
    entry.us += us;
    functions.set(key, entry);
    const caller = callerOf(id);
    entry.callers.set(caller, (entry.callers.get(caller) ?? 0) + us);
    const pkg = packageOf(frame);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const busy = total - idle;
  // Inclusive time of our own frames: walk each sampled node's stack once, counting a function once per stack.
  const inclusive = new Map<string, { name: string; where: string; us: number }>();
  const packagesInclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName === "(idle)") continue;
    const seen = new Set<string>();
    const seenPackages = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.url) {
        const pkg = packageOf(frame);
        if (!seenPackages.has(pkg)) {
          seenPackages.add(pkg);
          packagesInclusive.set(pkg, (packagesInclusive.get(pkg) ?? 0) + us);
        }
      }
      if (!/\/(services|packages)\//.test(frame.url) || frame.url.includes("/node_modules/")) continue;
      const where = whereOf(frame);
      const name = frame.functionName || "(anonymous)";
      const key = `${name}@${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? { name, where, us: 0 };
      entry.us += us;
      inclusive.set(key, entry);
    }
  }
  const pct = (us: number) => (busy > 0 ? Math.round((us / busy) * 1000) / 10 : 0);
  return {
    file: basename(path),
    wallMs: window ? Math.max(0, last - first) / 1000 : (profile.endTime - profile.startTime) / 1000,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    gcMs: gc / 1000,
    top: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((f) => ({
        name: f.name,
        where: f.where,
        selfMs: Math.round(f.us / 100) / 10,
        pct: pct(f.us),
        calledFrom: [...f.callers.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([caller, us]) => ({ caller, pct: Math.round((us / f.us) * 100) })),
      })),
    byPackage: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 100) / 10, pct: pct(us) })),
    byPackageInclusive: [...packagesInclusive.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, us]) => ({ name, totalMs: Math.round(us / 100) / 10, pct: pct(us) })),
    ownInclusive: [...inclusive.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((f) => ({ name: f.name, where: f.where, totalMs: Math.round(f.us / 100) / 10, pct: pct(f.us) })),
  };
}

export function formatCallers(f: SelfTime): string {
  return (f.calledFrom ?? []).map((c) => `${c.caller} ${c.pct}%`).join("; ");
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [
    `${summary.file}: ${summary.busyMs.toFixed(0)} ms busy of ${summary.wallMs.toFixed(0)} ms (GC ${summary.gcMs.toFixed(0)} ms)`,
    "",
    "| self ms | % busy | function | where | called from |",
    "|---:|---:|---|---|---|",
    ...summary.top.map((f) => `| ${f.selfMs.toFixed(1)} | ${f.pct.toFixed(1)} | \`${f.name}\` | ${f.where} | ${formatCallers(f)} |`),
    "",
    "| self ms | % busy | package |",
    "|---:|---:|---|",
    ...summary.byPackage.map((p) => `| ${p.selfMs.toFixed(1)} | ${p.pct.toFixed(1)} | ${p.name} |`),
    "",
    "| total ms | % busy | package (inclusive: anywhere on the stack) |",
    "|---:|---:|---|",
    ...summary.byPackageInclusive.map((p) => `| ${p.totalMs.toFixed(1)} | ${p.pct.toFixed(1)} | ${p.name} |`),
    "",
    "| total ms | % busy | Switchyard function (inclusive, synchronous stack) | where |",
    "|---:|---:|---|---|",
    ...summary.ownInclusive.map((f) => `| ${f.totalMs.toFixed(1)} | ${f.pct.toFixed(1)} | \`${f.name}\` | ${f.where} |`),
  ];
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node bench/dist/profile.js <file.cpuprofile> [top] [seconds of start-up to skip]");
    process.exit(2);
  }
  const skip = Number(process.argv[4] ?? 0);
  console.log(formatProfile(summarizeProfile(file, Number(process.argv[3] ?? 25), skip > 0 ? { skipStartS: skip } : undefined)));
}
