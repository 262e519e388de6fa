import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fromJsonString } from "@bufbuild/protobuf";
import { UsageEventSchema } from "@switchyard/proto";
import { eventually, postJson, readSse, startTestMesh, type TestMesh, userMessage } from "./harness.js";

let t: TestMesh;
before(async () => {
  t = await startTestMesh({ connectors: [{ provider: "mock" }] });
});
after(async () => {
  await t?.stop();
});

async function generateCalls(opsUrl: string): Promise<number> {
  const metrics = await (await fetch(`${opsUrl}/metrics`)).text();
  return [...metrics.matchAll(/^switchyard_connector_generate_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe("connector replicas", () => {
  it("uses a new replica as soon as it announces itself, and stops using one that leaves", async () => {
    const first = t.mesh.processes.find((p) => p.name === "connector-mock")!;
    const second = await t.mesh.addConnector("mock");
    const ask = async () => {
      const response = await postJson(
        t.url("/v1/chat/completions"),
        { model: "mock-echo", messages: userMessage("spread") },
        { "x-switchyard-cache": "bypass" },
      );
      assert.equal(response.status, 200);
      await response.text();
    };
    await eventually(async () => {
      await ask();
      return (await generateCalls(second.opsUrl)) > 0 ? true : undefined;
    }, "the new replica to serve a request");
    const before = await generateCalls(first.opsUrl);
    for (let i = 0; i < 6; i++) await ask();
    assert.ok((await generateCalls(first.opsUrl)) > before, "both replicas keep serving");

    assert.equal(await t.mesh.stopProcess(second.name), 0, "the replica exits cleanly on SIGTERM");
    for (let i = 0; i < 6; i++) await ask();
  });
});

describe("graceful shutdown", () => {
  it("lets an in-flight stream finish and flushes its usage event before the ingress exits", async () => {
    const usage = new Map<string, string>();
    const subscription = t.nats.subscribe("switchyard.usage.>", {
      callback: (_error, message) => {
        usage.set(fromJsonString(UsageEventSchema, message.string()).requestId, message.subject);
      },
    });
    const response = await postJson(
      t.url("/v1/chat/completions"),
      { model: "mock-slow", stream: true, messages: userMessage("one two three four five six seven eight") },
      { "x-switchyard-cache": "bypass" },
    );
    assert.equal(response.status, 200);
    const requestId = response.headers.get("x-request-id")!;
    const body = readSse(response);
    const exited = t.mesh.stopProcess("ingress");
    const { events, done } = await body;
    assert.ok(done, "the stream ran to [DONE] although the ingress was told to stop");
    const text = (events as { choices: { delta: { content?: string } }[] }[])
      .flatMap((c) => c.choices.map((ch) => ch.delta.content ?? ""))
      .join("");
    assert.equal(text, "one two three four five six seven eight");
    assert.equal(await exited, 0);
    assert.equal(await eventually(async () => usage.get(requestId), "the usage event"), "switchyard.usage.success");
    subscription.unsubscribe();
    await assert.rejects(fetch(t.url("/healthz")), "the ingress is gone");
  });
});
