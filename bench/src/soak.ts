// The soak's verdict: does each service's memory level off?
import { slope } from "./stats.js";
import type { LiveReading, SoakSample, SoakVerdict } from "./types.js";

const MB = 1024 * 1024;

/** Soaks shorter than this get numbers but no verdict. */
export const MIN_SOAK_S = 120;

/**
 * Per service: does memory level off? Where the soak read a service's live memory just before it
 * started and just after it ended (`live`: those two readings), that decides: what
 * JavaScript still holds after a full GC is what a leak raises, with no sawtooth on top. Otherwise,
 * and for the record: does RSS level off? A GC sawtooth puts teeth on top of the live heap, so each third
 * of the soak is summarised by its trough (lowest sample): where memory comes back to after a full
 * GC, which a leak raises. Levels off: the last third's trough is at most max(2 MB, 3%) above the
 * middle third's. (A percentile would move with the teeth once they span many samples.)
 */
export function soakVerdicts(samples: SoakSample[], services: readonly string[], live: readonly LiveReading[] = []): SoakVerdict[] {
  const n = samples.length;
  const trough = (values: number[]) => (values.length > 0 ? Math.min(...values) : 0);
  const [atStart, atEnd] = live;
  return services.map((name) => {
    const series = samples.map((s) => (s.rss[name] ?? 0) / MB);
    const midMB = trough(series.slice(Math.floor(n / 3), Math.floor((2 * n) / 3)));
    const lastMB = trough(series.slice(Math.floor((2 * n) / 3)));
    const half = samples.slice(Math.floor(n / 2));
    const growthMB = lastMB - midMB;
    const slopeMBPerMin = slope(
      half.map((s) => s.tS / 60),
      half.map((s) => (s.rss[name] ?? 0) / MB),
    );
    const rssLevelsOff = growthMB <= Math.max(2, 0.03 * midMB);
    const liveStartMB = atStart?.bytes[name] === undefined ? undefined : atStart.bytes[name] / MB;
    const liveEndMB = atEnd?.bytes[name] === undefined ? undefined : atEnd.bytes[name] / MB;
    const verdict: SoakVerdict = {
      name,
      startMB: series[0] ?? 0,
      midMB,
      lastMB,
      endMB: series.at(-1) ?? 0,
      growthMB,
      slopeMBPerMin,
      rssLevelsOff,
      levelsOff: rssLevelsOff,
      judgedBy: "rss",
    };
    if (liveStartMB !== undefined && liveEndMB !== undefined) {
      const liveGrowthMB = liveEndMB - liveStartMB;
      Object.assign(verdict, {
        liveStartMB,
        liveEndMB,
        liveGrowthMB,
        levelsOff: liveGrowthMB <= Math.max(LIVE_SLACK_MB, LIVE_SLACK_SHARE * liveStartMB),
        judgedBy: "live",
      });
    }
    return verdict;
  });
}

/**
 * Live memory (JS heap + Buffers after forced full GCs) may grow from the soak's start to its end
 * by at most this much. It carries no GC sawtooth, and the mesh is warm when the soak starts (every
 * other phase has run), so growth over 180,000 requests is what a leak leaves: 2 MB is ~11 bytes a
 * request.
 */
export const LIVE_SLACK_MB = 2;
export const LIVE_SLACK_SHARE = 0.03;

export function soakVerdictText(verdicts: readonly SoakVerdict[], durationS: number): string {
  const flat = verdicts.every((v) => v.levelsOff);
  if (durationS < MIN_SOAK_S)
    return `${flat ? "no growth seen" : "growth seen"}, but ${durationS} s is too short to judge (the full run soaks 600 s)`;
  if (flat) {
    const byLive = verdicts.filter((v) => v.judgedBy === "live").length;
    const how =
      byLive === verdicts.length
        ? "no Switchyard service's live memory grew over the soak"
        : byLive === 0
          ? "no Switchyard service's RSS trough rose between the middle and the last third"
          : "no Switchyard service's live memory grew over the soak (nor, where it was not read, its RSS trough over the last third)";
    return `memory levels off: ${how}`;
  }
  return `memory still climbing in: ${verdicts
    .filter((v) => !v.levelsOff)
    .map((v) =>
      v.judgedBy === "live" && v.liveGrowthMB !== undefined
        ? `${v.name} (live memory +${v.liveGrowthMB.toFixed(1)} MB over the soak)`
        : `${v.name} (trough +${v.growthMB.toFixed(1)} MB, ${v.slopeMBPerMin.toFixed(2)} MB/min)`,
    )
    .join(", ")}`;
}
