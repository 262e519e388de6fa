import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually, loggedRequest, postJson, startTestMesh, type TestMesh, userMessage } from "./harness.js";

let t: TestMesh;
before(async () => {
  t = await startTestMesh({ connectors: [{ provider: "mock" }] });
});
after(async () => {
  await t?.stop();
});

const logged = async (requestId: string) => (await loggedRequest(t, requestId))?.event;

describe("a dependency goes down", () => {
  it("keeps answering while Redis is down, and logs and counts the request once Redis is back", async () => {
    await t.infra.redis!.pause();
    try {
      const response = await postJson(t.url("/v1/chat/completions"), {
        model: "mock-echo",
        messages: userMessage(`redis outage ${Date.now()}`),
      });
      assert.equal(response.status, 200, "a cache that cannot answer is a miss, not an error");
      assert.equal(response.headers.get("x-switchyard-cache"), "miss");
      const requestId = response.headers.get("x-request-id")!;
      await response.text();
      await t.infra.redis!.resume();
      const event = await eventually(() => logged(requestId), "the logger to write the event (it does not need Redis)", 30_000);
      assert.equal(event.outcome, "success");
      await eventually(
        async () => ((await t.redis.get(`switchyard:spend:seen:${requestId}`)) ? true : undefined),
        "the budget to count it",
        30_000,
      );
    } finally {
      await t.infra.redis!.resume();
    }
  });

  it("keeps answering while NATS is down, and delivers the usage events once NATS is back", async () => {
    await t.infra.nats!.pause();
    const ids: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const response = await postJson(
          t.url("/v1/chat/completions"),
          { model: "mock-echo", messages: userMessage(`nats outage ${i}`) },
          { "x-switchyard-cache": "bypass" },
        );
        assert.equal(response.status, 200, "known connectors keep serving while the registry is unreachable");
        ids.push(response.headers.get("x-request-id")!);
        await response.text();
      }
    } finally {
      await t.infra.nats!.resume();
    }
    for (const id of ids) {
      const event = await eventually(() => logged(id), `the usage event of ${id} after NATS returned`, 30_000);
      assert.equal(event.outcome, "success");
    }
  });
});
