import assert from "node:assert/strict";
import { it } from "node:test";
import { soakVerdicts } from "./soak.js";
import type { SoakSample } from "./types.js";

const MB = 1024 * 1024;
/** 120 samples 5 s apart (a 10-minute soak) of one service's RSS in MB. */
const soakOf = (rssMB: (i: number) => number): SoakSample[] => Array.from({ length: 120 }, (_, i) => ({ tS: i * 5, rss: { svc: rssMB(i) * MB } }));

it("reads a long GC sawtooth over a steady trough as levelling off", () => {
  // 100 s teeth from 104 to 127 MB, the last one cut short high: the connector's soak of 2026-12-02.
  const [verdict] = soakVerdicts(soakOf((i) => (i >= 110 ? 138 : 104 + (i % 20) * 1.2)), ["svc"]);
  assert.equal(verdict!.levelsOff, true);
  assert.equal(verdict!.midMB, 104);
});

it("reads troughs that keep rising as a climb", () => {
  // The same teeth, each GC coming back 2 MB higher than the one before: a leak.
  const [verdict] = soakVerdicts(soakOf((i) => 104 + 2 * Math.floor(i / 20) + (i % 20) * 1.2), ["svc"]);
  assert.equal(verdict!.levelsOff, false);
  assert.ok(verdict!.growthMB >= 2);
});

it("reads flat memory as flat", () => {
  const [verdict] = soakVerdicts(soakOf(() => 70), ["svc"]);
  assert.deepEqual([verdict!.levelsOff, verdict!.growthMB, verdict!.slopeMBPerMin], [true, 0, 0]);
});
