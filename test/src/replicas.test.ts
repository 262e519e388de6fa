import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { postJson, startTestMesh, type TestMesh, userMessage } from "./harness.js";

let t: TestMesh;
before(async () => {
  t = await startTestMesh({ connectors: [{ provider: "mock", replicas: 2 }] });
});
after(async () => {
  await t?.stop();
});

describe("a connector replica dies with requests in flight", () => {
  it("retries them on a sibling replica of the same deployment, so none fails", async () => {
    const victim = t.mesh.processes.find((p) => p.name.startsWith("connector-mock"))!;
    // mock-slow waits before every word: these are still waiting on the upstream when the replica dies.
    const inFlight = Array.from({ length: 8 }, (_, i) =>
      postJson(
        t.url("/v1/chat/completions"),
        { model: "mock-slow", messages: userMessage(`replica ${i} one two`) },
        { "x-switchyard-cache": "bypass" },
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    await t.mesh.stopProcess(victim.name, "SIGKILL");
    const responses = await Promise.all(inFlight);
    const statuses = responses.map((r) => r.status);
    const attempts = responses.map((r) => r.headers.get("x-switchyard-attempts") ?? "");
    await Promise.all(responses.map((r) => r.text()));
    assert.deepEqual(statuses, Array(8).fill(200), `attempts: ${attempts.join(" | ")}`);
    assert.ok(
      attempts.some((a) => a.split(",").length === 2),
      `some requests were on the killed replica and were retried on its sibling (attempts: ${attempts.join(" | ")})`,
    );
    for (const a of attempts) assert.match(a, /(^|,)mock\/echo\?latency_ms=150:200$/);
  });
});
