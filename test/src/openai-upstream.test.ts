import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type FakeOpenAI, startFakeOpenAI } from "@switchyard/fake-upstreams";
import { ADMIN_KEY, postJson, readSse, startTestMesh, type TestMesh, userMessage } from "./harness.js";

const UPSTREAM_KEY = "sk-upstream-secret-7f3a9c";
let upstream: FakeOpenAI;
let t: TestMesh;

before(async () => {
  upstream = await startFakeOpenAI();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-upstream-test-"));
  const config = join(dir, "switchyard.yaml");
  writeFileSync(
    config,
    `
providers:
  up: { kind: openai, api_base: "${upstream.url}/v1", api_key: "${UPSTREAM_KEY}", headers: { x-team-header: research } }
models:
  gpt-fake:
    deployments: [{ provider: up, model: gpt-4o-mini, price: { input: 0.15, output: 0.6 } }]
  gpt-limited:
    deployments:
      - { id: limited, provider: up, model: status-429 }
      - { id: spare, provider: up, model: gpt-4o-mini }
  gpt-long:
    deployments: [{ provider: up, model: long-stream }]
  gpt-embed:
    operations: [embeddings]
    deployments: [{ provider: up, model: text-embedding-3-small }]
keys:
  - { name: admin, key: ${ADMIN_KEY}, role: admin }
`,
  );
  t = await startTestMesh({ configPath: config, connectors: [{ provider: "up" }] });
});
after(async () => {
  await t?.stop();
  await upstream?.close();
});

describe("an OpenAI-compatible upstream behind the gateway", () => {
  it("passes every request field through untouched, vendor extensions included, with the upstream model and key", async () => {
    const request = {
      model: "gpt-fake",
      messages: [
        { role: "system", content: "be brief" },
        {
          role: "user",
          content: [
            { type: "text", text: "what is in this image?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
          ],
        },
      ],
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } }],
      tool_choice: "auto",
      response_format: { type: "json_object" },
      temperature: 0.2,
      top_p: 0.9,
      n: 1,
      seed: 7,
      stop: ["\n\n"],
      max_completion_tokens: 50,
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { "50256": -100 },
      user: "user-42",
      metadata: { project: "atlas" },
      reasoning_effort: "low",
      vendor_extension: { nested: [1, 2, { deep: true }] },
    };
    const received = upstream.nextRequest();
    const response = await postJson(t.url("/v1/chat/completions"), request, { "x-switchyard-cache": "bypass" });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { object: string; usage: { total_tokens: number } };
    assert.equal(body.object, "chat.completion");
    const seen = await received;
    assert.equal(seen.path, "/v1/chat/completions");
    // The connector states the call's stream flag explicitly; everything else is as the client sent it.
    assert.deepEqual(seen.body, { ...request, model: "gpt-4o-mini", stream: false });
    assert.equal(seen.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
    assert.equal(seen.headers["x-team-header"], "research");
    assert.ok(Number(response.headers.get("x-switchyard-cost")) > 0, "priced from the upstream's usage");
  });

  it("streams the upstream's chunks through as they come", async () => {
    const response = await postJson(
      t.url("/v1/chat/completions"),
      { model: "gpt-fake", stream: true, messages: userMessage("hi") },
      { "x-switchyard-cache": "bypass" },
    );
    const { events, done } = await readSse(response);
    assert.ok(done);
    assert.ok(events.length >= 2);
    assert.ok((events as { object: string }[]).every((e) => e.object === "chat.completion.chunk"));
    assert.ok(!(events as { usage?: unknown }[]).some((e) => e.usage), "no usage chunk unless the client asked");
  });

  // A small request rides the connector's multiplexed stream; one above 64 KiB gets a gRPC call of its own.
  const calls = [
    ["a multiplexed call", "go on"],
    ["a call of its own", "go on ".repeat(12_000)],
  ] as const;
  for (const [kind, prompt] of calls)
    it(`holds a long stream back at the upstream while the client does not read, and ends it when the client leaves (${kind})`, async () => {
      const CHUNKS = 100_000; // of 1 KB: 100 MB, more than every buffer on the way holds
      const request = httpRequest(t.url("/v1/chat/completions"), {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json", "x-switchyard-cache": "bypass" },
      });
      const received = upstream.nextRequest();
      request.end(JSON.stringify({ model: "gpt-long", stream: true, max_tokens: CHUNKS, messages: userMessage(prompt) }));
      const [response] = (await once(request, "response")) as [IncomingMessage];
      assert.equal(response.statusCode, 200);
      const atUpstream = await received;

      // Nobody reads the response: the upstream's writes stop once the buffers on the way are full.
      // (Loopback sockets buffer a few MB at each of the three hops; without backpressure the whole
      // answer would be read from the upstream into the ingress's memory.)
      let written = -1;
      while (atUpstream.chunksWritten !== written) {
        written = atUpstream.chunksWritten;
        await sleep(250);
      }
      assert.ok(written > 0 && written < CHUNKS / 4, `the upstream wrote ${written} of ${CHUNKS} chunks to a client that read none`);

      // Reading lets it go on, in order.
      let head = "";
      let readBytes = 0;
      for await (const part of response) {
        if (head.length < 64 * 1024) head += (part as Buffer).toString("utf8");
        readBytes += (part as Buffer).byteLength;
        // Leaving the loop destroys the response: the client goes away.
        if (atUpstream.chunksWritten > written + 1_000) break;
      }
      const contents = [...head.matchAll(/"content":"(\d+):x+"/g)].map((match) => Number(match[1]));
      assert.ok(contents.length > 20);
      assert.deepEqual(
        contents,
        Array.from({ length: contents.length }, (_, i) => i),
      );
      assert.ok(atUpstream.chunksWritten > written + 1_000, `the upstream went on once the client read (${readBytes} bytes read)`);

      // The client left mid-stream: the gateway ends the upstream's answer instead of reading it on.
      assert.deepEqual(await atUpstream.closed, { finished: false });
      assert.ok(atUpstream.chunksWritten < CHUNKS);
    });

  it("fails over past an upstream that rate-limits", async () => {
    const response = await postJson(
      t.url("/v1/chat/completions"),
      { model: "gpt-limited", messages: userMessage("hi") },
      { "x-switchyard-cache": "bypass" },
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-switchyard-attempts"), "limited:429,spare:200");
    await response.text();
  });

  it("passes embeddings through", async () => {
    const received = upstream.nextRequest();
    const response = await postJson(t.url("/v1/embeddings"), {
      model: "gpt-embed",
      input: ["a", "b"],
      dimensions: 8,
      encoding_format: "float",
    });
    assert.equal(response.status, 200);
    assert.deepEqual((await received).body, {
      model: "text-embedding-3-small",
      input: ["a", "b"],
      dimensions: 8,
      encoding_format: "float",
    });
    assert.equal(((await response.json()) as { object: string }).object, "list");
  });

  it("keeps secrets out of every service's log", () => {
    const logs = t.mesh.recentLogs();
    assert.ok(logs.length > 0);
    assert.ok(!logs.includes(UPSTREAM_KEY), "the provider key never reaches a log");
    assert.ok(!logs.includes(ADMIN_KEY), "the client key never reaches a log");
  });
});
