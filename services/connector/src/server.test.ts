import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ProviderConfig } from "@switchyard/config";
import {
  type FakeOpenAI,
  readFixture as readAnyFixture,
  readJsonFixture as readAnyJsonFixture,
  silentLogger,
  startFakeOpenAI,
} from "@switchyard/fake-upstreams";
import { Cancellation, createClient, type ServiceClient } from "@switchyard/grpc";
import { ConnectorService, ErrorClass, type GenerateResponse, Operation } from "@switchyard/proto";
import { Registry } from "@switchyard/telemetry";
import { type ConnectorServer, startConnectorServer } from "./server.js";

const readFixture = (name: string) => readAnyFixture("openai", name);
const readJsonFixture = <T = unknown>(name: string) => readAnyJsonFixture<T>("openai", name);

type Client = ServiceClient<(typeof ConnectorService)["method"]>;

const encoder = new TextEncoder();
const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;

function request(model: string, body: Record<string, unknown>, stream: boolean) {
  return {
    requestId: "req-int-1",
    deployment: { id: `openai-test/${model}`, provider: "openai-test", model },
    operation: Operation.CHAT,
    stream,
    body: encoder.encode(JSON.stringify({ model: "smart", messages: [{ role: "user", content: "Hello!" }], ...body, stream })),
    timeoutMs: 30_000,
  };
}

async function events(iterable: AsyncIterable<GenerateResponse>): Promise<GenerateResponse["event"][]> {
  const out: GenerateResponse["event"][] = [];
  for await (const message of iterable) out.push(message.event);
  return out;
}

const failureOf = (list: GenerateResponse["event"][]) => {
  assert.equal(list.length, 1, `expected one failure event, got ${list.map((e) => e.case).join()}`);
  const event = list[0]!;
  assert.equal(event.case, "failure");
  return event.value;
};

async function start(provider: ProviderConfig): Promise<{ server: ConnectorServer; client: Client; registry: Registry }> {
  const registry = new Registry();
  const server = await startConnectorServer({ providers: [provider], host: "127.0.0.1", port: 0, logger: silentLogger, registry });
  const client = createClient(ConnectorService, `127.0.0.1:${server.port}`);
  await client.waitForReady(5_000);
  return { server, client, registry };
}

describe("connector over gRPC with an OpenAI-compatible upstream", () => {
  let upstream: FakeOpenAI;
  let connector: Awaited<ReturnType<typeof start>>;

  before(async () => {
    upstream = await startFakeOpenAI();
    connector = await start({
      name: "openai-test",
      kind: "openai",
      enabled: true,
      api_key: "sk-test-not-real",
      api_base: `${upstream.url}/v1`,
      headers: { "openai-organization": "org-test" },
    });
  });

  after(async () => {
    connector.client.close();
    await connector.server.shutdown(1_000);
    await upstream.close();
  });

  it("streams the upstream's chunks, then its usage", async () => {
    const seen = upstream.nextRequest();
    const list = await events(connector.client.generate(request("gpt-4o-mini", { temperature: 0.3, vendor_flag: "x" }, true)));
    const sent = await seen;

    assert.equal(sent.method, "POST");
    assert.equal(sent.path, "/v1/chat/completions");
    assert.equal(sent.headers.authorization, "Bearer sk-test-not-real");
    assert.equal(sent.headers["openai-organization"], "org-test");
    assert.equal(sent.body.model, "gpt-4o-mini");
    assert.equal(sent.body.stream, true);
    assert.deepEqual(sent.body.stream_options, { include_usage: true });
    assert.equal(sent.body.temperature, 0.3);
    assert.equal(sent.body.vendor_flag, "x");

    assert.deepEqual(
      list.map((e) => e.case),
      ["chunk", "chunk", "chunk", "chunk", "chunk", "usage"],
    );
    const chunks = list.slice(0, -1).map((e) => decode(e.value as Uint8Array));
    const text = chunks.map((c) => (c.choices as { delta: { content?: string } }[])[0]!.delta.content ?? "").join("");
    assert.equal(text, "Hello! How can I help you today?");
    assert.ok(chunks.every((c) => c.object === "chat.completion.chunk" && !("usage" in c)));
    const usage = list.at(-1)!.value as { promptTokens: number; completionTokens: number; totalTokens: number };
    assert.deepEqual([usage.promptTokens, usage.completionTokens, usage.totalTokens], [19, 9, 28]);
  });

  it("forwards the usage chunk to a client that asked for it", async () => {
    const list = await events(connector.client.generate(request("gpt-4o-mini", { stream_options: { include_usage: true } }, true)));
    assert.deepEqual(
      list.map((e) => e.case),
      ["chunk", "chunk", "chunk", "chunk", "chunk", "chunk", "usage"],
    );
    const last = decode(list.at(-2)!.value as Uint8Array);
    assert.deepEqual(last.choices, []);
    assert.equal((last.usage as { total_tokens: number }).total_tokens, 28);
  });

  it("returns a non-streamed completion whole, byte for byte as the upstream sent it, then usage", async () => {
    const seen = upstream.nextRequest();
    const list = await events(connector.client.generate(request("gpt-4.1", { stream_options: { include_usage: true } }, false)));
    const sent = await seen;
    assert.equal(sent.body.stream, false);
    assert.equal("stream_options" in sent.body, false);
    assert.deepEqual(
      list.map((e) => e.case),
      ["completion", "usage"],
    );
    assert.equal(new TextDecoder().decode(list[0]!.value as Uint8Array), readFixture("chat-completion.json"));
    const usage = list[1]!.value as { promptTokens: number; completionTokens: number; totalTokens: number };
    assert.deepEqual([usage.promptTokens, usage.completionTokens, usage.totalTokens], [19, 10, 29]);
  });

  it("reports an upstream 503 as a retryable failure", async () => {
    for (const stream of [false, true]) {
      const failure = failureOf(await events(connector.client.generate(request("status-503", {}, stream))));
      assert.equal(failure.code, "upstream_unavailable");
      assert.equal(failure.class, ErrorClass.RETRYABLE);
      assert.equal(failure.upstreamStatus, 503);
      assert.equal(failure.message, "openai-test is overloaded or unavailable (status 503)");
    }
  });

  it("carries the upstream's rate-limit headers on the usage event, and only when it sent them", async () => {
    for (const stream of [false, true]) {
      const messages: GenerateResponse[] = [];
      for await (const message of connector.client.generate(request("echo", {}, stream))) messages.push(message);
      const last = messages.at(-1)!;
      assert.equal(last.event.case, "usage");
      assert.equal(last.limits?.remainingRequests, 9999);
      assert.equal(last.limits?.limitTokens, 200000);
      assert.equal(last.limits?.resetTokensMs, 62_500);
      assert.ok(messages.slice(0, -1).every((message) => message.limits === undefined));
    }
    const plain: GenerateResponse[] = [];
    for await (const message of connector.client.generate(request("gpt-4o-mini", {}, false))) plain.push(message);
    assert.equal(plain.at(-1)!.limits, undefined, "the fixture answer has no rate-limit headers");
  });

  it("reports an upstream 429 with its retry-after", async () => {
    const failure = failureOf(await events(connector.client.generate(request("status-429", {}, true))));
    assert.equal(failure.code, "upstream_rate_limited");
    assert.equal(failure.retryAfterS, 7);
    assert.equal(failure.upstreamStatus, 429);
    assert.equal(failure.message, "openai-test is rate limiting the gateway (status 429)");
  });

  it("reports a rejected request with the provider's message, credentials redacted", async () => {
    const failure = failureOf(await events(connector.client.generate(request("status-400", {}, false))));
    assert.equal(failure.code, "upstream_rejected");
    assert.equal(failure.class, ErrorClass.FINAL);
    assert.equal(failure.message, "fake upstream says 400 (key sk-[redacted])");
  });

  it("reports an error status answering a streamed request", async () => {
    const failure = failureOf(await events(connector.client.generate(request("status-429", {}, true))));
    assert.equal(failure.code, "upstream_rate_limited");
    assert.match(failure.message, /rate limit/i);
  });

  it("closes the upstream request when the caller cancels mid-stream", async () => {
    const seen = upstream.nextRequest();
    const caller = new Cancellation();
    const received: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const message of connector.client.generate(request("hang", {}, true), { cancellation: caller })) {
          received.push(message.event.case ?? "");
          caller.cancel();
        }
      })(),
      (error: unknown) => (error as { code?: number }).code === 1, // grpc CANCELLED
    );
    assert.deepEqual(received, ["chunk"]);
    const closed = await (await seen).closed;
    assert.equal(closed.finished, false, "the upstream response was cut off, not completed");
  });

  it("turns a passed deadline into upstream_timeout and closes the upstream request", async () => {
    const seen = upstream.nextRequest();
    const failure = failureOf(
      (await events(connector.client.generate({ ...request("hang", {}, true), timeoutMs: 50 }))).filter((e) => e.case !== "chunk"),
    );
    assert.equal(failure.code, "upstream_timeout");
    assert.equal(failure.class, ErrorClass.RETRYABLE);
    assert.equal((await (await seen).closed).finished, false);
  });

  it("turns a passed deadline into upstream_timeout and closes the upstream request, not streamed", async () => {
    const seen = upstream.nextRequest();
    const failure = failureOf(await events(connector.client.generate({ ...request("hang", {}, false), timeoutMs: 50 })));
    assert.equal(failure.code, "upstream_timeout");
    assert.equal((await (await seen).closed).finished, false);
  });

  it("closes the upstream request when the caller cancels before the answer is complete", async () => {
    const seen = upstream.nextRequest();
    const caller = new Cancellation();
    const call = events(connector.client.generate(request("hang", {}, false), { cancellation: caller }));
    await seen;
    caller.cancel();
    await assert.rejects(call, (error: unknown) => (error as { code?: number }).code === 1); // grpc CANCELLED
    assert.equal((await (await seen).closed).finished, false);
  });

  it("reports an answer cut off by a connection reset as an upstream error", async () => {
    const failure = failureOf(await events(connector.client.generate(request("cut-off", {}, false))));
    assert.equal(failure.code, "upstream_error");
    assert.equal(failure.class, ErrorClass.RETRYABLE);
  });

  it("ends a stream cut off by a connection reset with an upstream error after the chunks it got", async () => {
    const list = await events(connector.client.generate(request("cut-off", {}, true)));
    assert.deepEqual(
      list.map((e) => e.case),
      ["chunk", "chunk", "failure"],
    );
    const failure = list.at(-1)!.value as { code: string; class: ErrorClass };
    assert.equal(failure.code, "upstream_error");
    assert.equal(failure.class, ErrorClass.RETRYABLE);
  });

  it("reads no more of an error body than it needs", async () => {
    const seen = upstream.nextRequest();
    const failure = failureOf(await events(connector.client.generate(request("huge-error", {}, false))));
    assert.equal(failure.upstreamStatus, 502);
    assert.equal(failure.message, "openai-test failed with a server error (status 502)");
    assert.equal((await (await seen).closed).finished, false, "the rest of the body was not read");
  });

  it("passes embeddings through with the upstream model", async () => {
    const seen = upstream.nextRequest();
    const list = await events(
      connector.client.generate({
        requestId: "e-1",
        deployment: { id: "openai-test/text-embedding-3-small", provider: "openai-test", model: "text-embedding-3-small" },
        operation: Operation.EMBEDDINGS,
        body: encoder.encode(JSON.stringify({ model: "embed", input: "The food was delicious", encoding_format: "float" })),
      }),
    );
    const sent = await seen;
    assert.equal(sent.path, "/v1/embeddings");
    assert.deepEqual(sent.body, { model: "text-embedding-3-small", input: "The food was delicious", encoding_format: "float" });
    assert.deepEqual(
      list.map((e) => e.case),
      ["completion", "usage"],
    );
    assert.equal(new TextDecoder().decode(list[0]!.value as Uint8Array), readFixture("embeddings-response.json"));
    assert.equal((list[1]!.value as { promptTokens: number }).promptTokens, 8);
  });

  it("keeps upstream connections alive between calls", async () => {
    // Warm the pool, then make calls one after another: they all reuse one connection.
    await events(connector.client.generate(request("gpt-4o-mini", {}, false)));
    const before = upstream.connections();
    for (let i = 0; i < 3; i++) {
      await events(connector.client.generate(request("gpt-4o-mini", {}, true)));
      await events(connector.client.generate(request("gpt-4o-mini", {}, false)));
    }
    assert.equal(upstream.connections(), before);
  });

  it("counts calls by outcome", async () => {
    const text = await connector.registry.getSingleMetricAsString("switchyard_connector_generate_total");
    assert.match(text, /provider="openai-test",operation="chat",outcome="success"\} [1-9]/);
    assert.match(text, /outcome="upstream_unavailable"\} 2/);
    assert.match(text, /outcome="upstream_rate_limited"\} 2/);
    const latency = await connector.registry.getSingleMetricAsString("switchyard_connector_upstream_latency_seconds");
    assert.match(latency, /phase="total"/);
  });
});

describe("connector over gRPC without a reachable upstream", () => {
  it("reports connection refused as upstream_unavailable", async () => {
    const port = await freePort();
    const { server, client } = await start({ name: "openai-test", kind: "openai", enabled: true, api_base: `http://127.0.0.1:${port}/v1` });
    try {
      const failure = failureOf(await events(client.generate(request("gpt-4o", {}, true))));
      assert.equal(failure.code, "upstream_unavailable");
      assert.equal(failure.class, ErrorClass.RETRYABLE);
      assert.equal(failure.upstreamStatus, 0);
    } finally {
      client.close();
      await server.shutdown(1_000);
    }
  });
});

describe("connector over gRPC with the mock provider", () => {
  it("echoes word by word and reports usage", async () => {
    const { server, client } = await start({ name: "mock", kind: "mock", enabled: true });
    try {
      const list = await events(
        client.generate({
          requestId: "m-1",
          deployment: { id: "mock/echo", provider: "mock", model: "echo" },
          operation: Operation.CHAT,
          stream: true,
          body: encoder.encode(
            JSON.stringify({ model: "mock-echo", messages: [{ role: "user", content: "switch the yard" }], stream: true }),
          ),
        }),
      );
      assert.deepEqual(
        list.map((e) => e.case),
        ["chunk", "chunk", "chunk", "usage"],
      );
      const words = list
        .slice(0, 3)
        .map((e) => (decode(e.value as Uint8Array).choices as { delta: { content: string } }[])[0]!.delta.content);
      assert.deepEqual(words, ["switch ", "the ", "yard"]);
    } finally {
      client.close();
      await server.shutdown(1_000);
    }
  });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
