import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { postJson, startTestMesh, type TestMesh, userMessage } from "./harness.js";

let t: TestMesh;
before(async () => {
  t = await startTestMesh({ connectors: [{ group: "mocks", providers: ["mock", "absent"] }] });
});
after(async () => {
  await t?.stop();
});

describe("one connector process serving a group of providers", () => {
  it("answers for each provider of the group from the same process", async () => {
    const connectors = t.mesh.processes.filter((p) => p.service === "connector");
    assert.deepEqual(
      connectors.map((p) => p.name),
      ["connector-mocks"],
    );
    for (const [model, deployment] of [
      ["mock-no-connector", "absent/echo"],
      ["mock-echo", "mock/echo"],
    ] as const) {
      const response = await postJson(
        t.url("/v1/chat/completions"),
        { model, messages: userMessage(`group ${model}`) },
        { "x-switchyard-cache": "bypass" },
      );
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-switchyard-deployment"), deployment);
      assert.equal(response.headers.get("x-switchyard-attempts"), `${deployment}:200`);
      assert.equal(body.choices[0]!.message.content, `group ${model}`);
    }
  });
});
