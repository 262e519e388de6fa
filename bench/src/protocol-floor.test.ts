import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import { Upstream } from "./helpers.js";
import { measureProtocolFloor, startFloorChains } from "./protocol-floor.js";
import { floorShareText } from "./report.js";

const BODY = JSON.stringify({ model: "bench-upstream", messages: [{ role: "user", content: "Say hello." }], max_tokens: 8 });

describe("protocol floor", () => {
  let upstream: Upstream;
  before(async () => {
    upstream = await Upstream.start();
  });
  after(() => upstream.stop());

  it("carries a chat request through each chain and back unchanged", async () => {
    const chains = await startFloorChains(upstream);
    try {
      const answers = await Promise.all(
        Object.values(chains.origins).map(async (origin) => {
          const response = await request(`${origin}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: BODY,
          });
          assert.equal(response.statusCode, 200, origin);
          return (await response.body.json()) as { object: string; choices: unknown[] };
        }),
      );
      for (const answer of answers) {
        assert.equal(answer.object, "chat.completion");
        assert.deepEqual(answer.choices, answers[0]!.choices);
      }
    } finally {
      chains.stop();
    }
  });

  it("measures every chain one request at a time", async () => {
    const floor = await measureProtocolFloor(upstream, BODY, 40);
    for (const summary of [floor.upstream, floor.single, floor.mesh]) {
      assert.equal(summary.count, 40);
      assert.ok(summary.p50 > 0 && summary.p50 <= summary.p99);
    }
  });
});

it("splits the full path's overhead into the floor and the gateway's own work", () => {
  const at = (p50: number, p99: number) => ({ count: 1, min: p50, mean: p50, p50, p90: p50, p99, p999: p99, max: p99 });
  const text = floorShareText({ upstream: at(0.2, 0.4), single: at(0.4, 0.8), mesh: at(0.6, 1.4) }, { p50: 0.7, p99: 2.5 });
  assert.match(text!, /\(\+0\.70 \/ \+2\.50 ms at p50 \/ p99\), \+0\.40 \/ \+1\.00 ms is the floor/);
  assert.match(text!, /the rest, \+0\.30 \/ \+1\.50 ms, is the gateway's own work/);
  assert.equal(floorShareText(undefined, { p50: 1, p99: 2 }), undefined);
});
