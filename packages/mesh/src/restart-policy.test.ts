import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RestartPolicy } from "./restart-policy.js";

const settings = { initialBackoffMs: 100, maxBackoffMs: 1_000, quickCrashMs: 5_000, maxQuickCrashes: 4 };

describe("restart policy", () => {
  it("doubles the wait after every quick crash in a row, up to the ceiling", () => {
    const policy = new RestartPolicy(settings);
    const waits = [0, 1, 2, 3].map(() => policy.afterExit(50));
    assert.deepEqual(
      waits.map((d) => ("restartInMs" in d ? d.restartInMs : d.giveUp)),
      [100, 200, 400, 800],
    );
    const capped = new RestartPolicy({ ...settings, maxQuickCrashes: 10 });
    for (let i = 0; i < 6; i++) capped.afterExit(50);
    assert.deepEqual(capped.afterExit(50), { restartInMs: 1_000, quickCrashes: 7 });
  });

  it("gives up on a crash loop and says why", () => {
    const policy = new RestartPolicy(settings);
    for (let i = 0; i < 4; i++) assert.ok("restartInMs" in policy.afterExit(10));
    const last = policy.afterExit(10);
    assert.ok("giveUp" in last);
    assert.equal(last.giveUp, "crashed 5 times in a row, each within 5 s of starting");
  });

  it("forgets earlier crashes once a run lasted long enough", () => {
    const policy = new RestartPolicy(settings);
    for (let i = 0; i < 4; i++) policy.afterExit(10);
    assert.deepEqual(policy.afterExit(60_000), { restartInMs: 100, quickCrashes: 0 });
    assert.deepEqual(policy.afterExit(10), { restartInMs: 100, quickCrashes: 1 });
  });
});
