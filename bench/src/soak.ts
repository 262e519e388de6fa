// The soak's verdict: does each service's memory level off?
import { slope } from "./stats.js";
import type { SoakSample, SoakVerdict } from "./types.js";

const MB = 1024 * 1024;

/** Soaks shorter than this get numbers but no verdict. */
export const MIN_SOAK_S = 120;

/**
 * Per service: does RSS level off? A GC sawtooth puts teeth on top of the live heap, so each third
 * of the soak is summarised by its trough (lowest sample): where memory comes back to after a full
 * GC, which a leak raises. Levels off: the last third's trough is at most max(2 MB, 3%) above the
 * middle third's. (A 25th percentile, used before, moved with the teeth once they were longer than
 * a few samples: the connector's 100 s sawtooth under its old-generation floor read as +9.6 MB.)
 */
export function soakVerdicts(samples: SoakSample[], services: readonly string[]): SoakVerdict[] {
  const n = samples.length;
  const trough = (values: number[]) => (values.length > 0 ? Math.min(...values) : 0);
  return services.map((name) => {
    const series = samples.map((s) => (s.rss[name] ?? 0) / MB);
    const midMB = trough(series.slice(Math.floor(n / 3), Math.floor((2 * n) / 3)));
    const lastMB = trough(series.slice(Math.floor((2 * n) / 3)));
    const half = samples.slice(Math.floor(n / 2));
    const growthMB = lastMB - midMB;
    const slopeMBPerMin = slope(half.map((s) => s.tS / 60), half.map((s) => (s.rss[name] ?? 0) / MB));
    return {
      name,
      startMB: series[0] ?? 0,
      midMB,
      lastMB,
      endMB: series.at(-1) ?? 0,
      growthMB,
      slopeMBPerMin,
      levelsOff: growthMB <= Math.max(2, 0.03 * midMB),
    };
  });
}

export function soakVerdictText(verdicts: readonly SoakVerdict[], durationS: number): string {
  const flat = verdicts.every((v) => v.levelsOff);
  if (durationS < MIN_SOAK_S) return `${flat ? "no growth seen" : "growth seen"}, but ${durationS} s is too short to judge (the full run soaks 600 s)`;
  if (flat) return "memory levels off: no Switchyard service's RSS trough rose between the middle and the last third";
  return `memory still climbing in: ${verdicts
    .filter((v) => !v.levelsOff)
    .map((v) => `${v.name} (trough +${v.growthMB.toFixed(1)} MB, ${v.slopeMBPerMin.toFixed(2)} MB/min)`)
    .join(", ")}`;
}
