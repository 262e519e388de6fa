import assert from "node:assert/strict";
import { it } from "node:test";
import { soakVerdicts, soakVerdictText } from "./soak.js";
import type { SoakSample } from "./types.js";

const MB = 1024 * 1024;
/** 120 samples 5 s apart (a 10-minute soak) of one service's RSS in MB. */
const soakOf = (rssMB: (i: number) => number): SoakSample[] =>
  Array.from({ length: 120 }, (_, i) => ({ tS: i * 5, rss: { svc: rssMB(i) * MB } }));

it("reads a long GC sawtooth over a steady trough as levelling off", () => {
  // 100 s teeth from 104 to 127 MB, the last one cut short high, as a connector's soak under its old-generation floor.
  const [verdict] = soakVerdicts(
    soakOf((i) => (i >= 110 ? 138 : 104 + (i % 20) * 1.2)),
    ["svc"],
  );
  assert.equal(verdict!.levelsOff, true);
  assert.equal(verdict!.midMB, 104);
});

it("reads troughs that keep rising as a climb", () => {
  // The same teeth, each GC coming back 2 MB higher than the one before: a leak.
  const [verdict] = soakVerdicts(
    soakOf((i) => 104 + 2 * Math.floor(i / 20) + (i % 20) * 1.2),
    ["svc"],
  );
  assert.equal(verdict!.levelsOff, false);
  assert.ok(verdict!.growthMB >= 2);
});

it("reads flat memory as flat", () => {
  const [verdict] = soakVerdicts(
    soakOf(() => 70),
    ["svc"],
  );
  assert.deepEqual([verdict!.levelsOff, verdict!.growthMB, verdict!.slopeMBPerMin], [true, 0, 0]);
});

const liveOf = (mb: [number, number]) => mb.map((m, i) => ({ tS: i * 600, bytes: { svc: m * MB } }));

it("lets live memory decide where it was read: a sawtooth whose troughs moved is flat when live memory is", () => {
  // RSS troughs 121 → 137 MB while live memory stays steady at 31 MB: the sawtooth, not a leak.
  const [verdict] = soakVerdicts(
    soakOf((i) => (i < 40 ? 140 : i < 80 ? 121 + (i % 20) : 137 + (i % 3))),
    ["svc"],
    liveOf([31.0, 31.3]),
  );
  assert.equal(verdict!.rssLevelsOff, false);
  assert.equal(verdict!.judgedBy, "live");
  assert.equal(verdict!.levelsOff, true);
  assert.ok(Math.abs(verdict!.liveGrowthMB! - 0.3) < 1e-9);
});

it("reads live memory that grows over the soak as a climb, even under flat RSS", () => {
  const [verdict] = soakVerdicts(
    soakOf(() => 70),
    ["svc"],
    liveOf([31, 34]),
  );
  assert.equal(verdict!.rssLevelsOff, true);
  assert.equal(verdict!.levelsOff, false);
  assert.equal(soakVerdictText([verdict!], 600), "memory still climbing in: svc (live memory +3.0 MB over the soak)");
});

it("falls back to the RSS troughs for a service whose live memory was not read", () => {
  const [verdict] = soakVerdicts(
    soakOf(() => 70),
    ["svc"],
    liveOf([31, 34]).map((r) => ({ ...r, bytes: {} })),
  );
  assert.deepEqual([verdict!.judgedBy, verdict!.levelsOff, verdict!.liveGrowthMB], ["rss", true, undefined]);
});
