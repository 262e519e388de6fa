import assert from "node:assert/strict";
import { it } from "node:test";
import { describeIdlePolicy, HALT_POLL_FILE, IDLE_DRIVER_FILE, idlePolicyFrom, measureWakeups, summarizeLateness } from "./wakeups.js";

it("summarises how late sleeps woke: percentiles, the worst, and the shares over 1 and 2 ms", () => {
  const lateness = new Float64Array(1000).fill(0.05);
  lateness[10] = 1.5;
  lateness[20] = 2.5;
  lateness[30] = 7;
  const summary = summarizeLateness(lateness, 0.2);
  assert.equal(summary.sleeps, 1000);
  assert.equal(summary.p50, 0.05);
  assert.equal(summary.p99, 0.05);
  assert.equal(summary.p999, 2.5);
  assert.equal(summary.max, 7);
  assert.equal(summary.over1msShare, 0.003);
  assert.equal(summary.over2msShare, 0.002);
});

it("times real sleeps on this machine", () => {
  const started = performance.now();
  const summary = measureWakeups(200, 0.2);
  const elapsed = performance.now() - started;
  assert.equal(summary.sleeps, 200);
  assert.ok(summary.p50 >= 0 && summary.p50 <= summary.max);
  // Every sleep lasted at least what it asked for.
  assert.ok(elapsed >= 200 * 0.2, `200 sleeps of 0.2 ms took ${elapsed} ms`);
});

it("reads the idle policy from /sys, and says nothing where it cannot be read", () => {
  const files: Record<string, string> = { [IDLE_DRIVER_FILE]: "haltpoll\n", [HALT_POLL_FILE]: "0\n" };
  const off = idlePolicyFrom((path) => files[path]);
  assert.deepEqual(off, { driver: "haltpoll", guestHaltPollNs: 0 });
  assert.match(describeIdlePolicy(off)!, /haltpoll, guest halt polling off/);
  files[HALT_POLL_FILE] = "200000";
  assert.match(describeIdlePolicy(idlePolicyFrom((path) => files[path]))!, /polling for up to 200 µs/);
  const bare = idlePolicyFrom((path) => (path === IDLE_DRIVER_FILE ? "intel_idle" : undefined));
  assert.deepEqual(bare, { driver: "intel_idle" });
  assert.equal(describeIdlePolicy(bare), "CPU idle: cpuidle driver intel_idle.");
  assert.deepEqual(
    idlePolicyFrom(() => undefined),
    {},
  );
  assert.equal(describeIdlePolicy({}), undefined);
  assert.deepEqual(
    idlePolicyFrom(() => "garbage"),
    { driver: "garbage" },
  );
});
