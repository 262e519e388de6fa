import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { postJson, ROOT, startTestMesh, userMessage } from "./harness.js";

// The ingress no longer reads the key list; on a public address it asks policy whether the
// well-known development key works, and refuses to listen when it does.

it("refuses to listen on a public address while policy accepts the development key", async () => {
  await assert.rejects(
    startTestMesh({ host: "0.0.0.0", configPath: join(ROOT, "config", "switchyard.yaml"), connectors: [{ provider: "mock" }] }),
    /"dev\\?" is the public development key sk-switchyard-dev; refusing to listen on 0\.0\.0\.0/,
  );
});

it("listens on a public address when the development key is not configured", async () => {
  const t = await startTestMesh({ host: "0.0.0.0", connectors: [{ provider: "mock" }] });
  try {
    const response = await postJson(t.url("/v1/chat/completions"), { model: "mock-echo", messages: userMessage("public") });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { object: string }).object, "chat.completion");
  } finally {
    await t.stop();
  }
});
