import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import {
  ADMIN_KEY,
  eventually,
  loggedRequest,
  NARROW_KEY,
  postJson,
  readSse,
  startTestMesh,
  type TestMesh,
  userMessage,
  watchUsage,
} from "./harness.js";

let t: TestMesh;
const chat = (body: unknown, headers?: Record<string, string>) => postJson(t.url("/v1/chat/completions"), body, headers);

before(async () => {
  t = await startTestMesh({ connectors: [{ provider: "mock" }] });
});
after(async () => {
  await t?.stop();
});

describe("chat completions through the mesh", () => {
  it("answers a non-streamed request from the mock model", async () => {
    const response = await chat({ model: "mock-echo", messages: userMessage("hello mesh world") }, { "x-switchyard-cache": "bypass" });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      object: string;
      choices: { message: { role: string; content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    assert.equal(body.object, "chat.completion");
    assert.equal(body.choices[0]?.message.role, "assistant");
    assert.equal(body.choices[0]?.message.content, "hello mesh world");
    assert.equal(body.choices[0]?.finish_reason, "stop");
    assert.deepEqual(body.usage, { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
    assert.equal(response.headers.get("x-switchyard-deployment"), "mock/echo");
    assert.equal(response.headers.get("x-switchyard-cache"), "bypass");
    assert.equal(response.headers.get("x-switchyard-attempts"), "mock/echo:200");
    assert.equal(response.headers.get("x-switchyard-route"), "failover; config order");
    // 3 prompt tokens at $1/M and 3 completion tokens at $2/M.
    assert.equal(response.headers.get("x-switchyard-cost"), "0.000009");
    assert.match(response.headers.get("x-request-id") ?? "", /^req_[0-9a-f]{24}$/);
  });

  it("keeps a sane client request id and replaces a hostile one", async () => {
    const kept = await chat({ model: "mock-echo", messages: userMessage("id") }, { "x-request-id": "client-id-42" });
    assert.equal(kept.headers.get("x-request-id"), "client-id-42");
    await kept.text();
    const replaced = await chat({ model: "mock-echo", messages: userMessage("id") }, { "x-request-id": "bad id\twith spaces" });
    assert.match(replaced.headers.get("x-request-id") ?? "", /^req_/);
    await replaced.text();
  });

  it("streams word by word as server-sent events ending in [DONE]", async () => {
    const response = await chat({
      model: "mock-echo",
      stream: true,
      stream_options: { include_usage: true },
      messages: userMessage("one two three four"),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    const { events, done } = await readSse(response);
    assert.ok(done, "stream ends with data: [DONE]");
    type Chunk = {
      object: string;
      choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[];
      usage?: { completion_tokens: number };
    };
    const chunks = events as Chunk[];
    assert.ok(chunks.every((c) => c.object === "chat.completion.chunk"));
    const text = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? "")).join("");
    assert.equal(text, "one two three four");
    assert.equal(chunks[0]?.choices[0]?.delta.role, "assistant");
    assert.ok(chunks.filter((c) => c.choices[0]?.delta.content).length >= 4, "one chunk per word");
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.completion_tokens, 4);
    assert.ok(chunks.some((c) => c.choices[0]?.finish_reason === "stop"));
  });

  it("fails over to the next deployment on a retryable upstream error", async () => {
    const response = await chat({ model: "mock-failover", messages: userMessage("fail over please") }, { "x-switchyard-cache": "bypass" });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    assert.equal(body.choices[0]?.message.content, "fail over please");
    assert.equal(response.headers.get("x-switchyard-attempts"), "mock-flaky:503,mock/echo:200");
    assert.equal(response.headers.get("x-switchyard-deployment"), "mock/echo");
  });

  it("fails over when no connector serves a provider", async () => {
    const response = await chat({ model: "mock-no-connector", messages: userMessage("anyone there") }, { "x-switchyard-cache": "bypass" });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-switchyard-attempts"), "absent/echo:0,mock/echo:200");
    await response.text();
  });

  it("does not fail over on a final upstream rejection", async () => {
    const response = await chat({ model: "mock-rejects", messages: userMessage("bad") }, { "x-switchyard-cache": "bypass" });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string } };
    assert.equal(body.error.code, "upstream_rejected");
    assert.equal(response.headers.get("x-switchyard-attempts"), "mock/fail?status=400:400");
  });

  it("answers 502 in the OpenAI shape when every attempt fails", async () => {
    const response = await chat({ model: "mock-broken", messages: userMessage("x") }, { "x-switchyard-cache": "bypass" });
    assert.equal(response.status, 502);
    const body = (await response.json()) as { error: { type: string; code: string; message: string } };
    assert.equal(body.error.code, "upstream_error");
    assert.equal(body.error.type, "api_error");
  });

  it("serves a repeated request from the cache, and honours bypass and refresh", async () => {
    const request = { model: "mock-echo", messages: userMessage(`cache me ${Date.now()}`) };
    const first = await chat(request);
    assert.equal(first.headers.get("x-switchyard-cache"), "miss");
    const firstBody = await first.text();
    const second = await eventually(async () => {
      const r = await chat(request);
      if (r.headers.get("x-switchyard-cache") === "hit") return r;
      await r.text();
      return undefined;
    }, "a cache hit");
    assert.equal(await second.text(), firstBody);
    assert.equal(second.headers.get("x-switchyard-cost"), "0");
    assert.equal(second.headers.get("x-switchyard-deployment"), "mock/echo");

    const bypass = await chat(request, { "x-switchyard-cache": "bypass" });
    assert.equal(bypass.headers.get("x-switchyard-cache"), "bypass");
    assert.notEqual(await bypass.text(), firstBody, "a fresh answer has its own id");
    const refresh = await chat(request, { "x-switchyard-cache": "refresh" });
    assert.equal(refresh.headers.get("x-switchyard-cache"), "refresh");
    await refresh.text();
  });

  it("replays a cached answer to a streaming client", async () => {
    const request = { model: "mock-echo", messages: userMessage(`replay as stream ${Date.now()}`) };
    await (await chat(request)).text();
    const streamed = await eventually(async () => {
      const r = await chat({ ...request, stream: true });
      if (r.headers.get("x-switchyard-cache") === "hit") return r;
      await r.text();
      return undefined;
    }, "a cache hit for the stream");
    const { events, done } = await readSse(streamed);
    assert.ok(done);
    const text = (events as { choices: { delta: { content?: string } }[] }[])
      .flatMap((c) => c.choices.map((ch) => ch.delta.content ?? ""))
      .join("");
    assert.equal(text, request.messages[0]!.content);
  });
});

describe("usage events", () => {
  it("publishes one event per request that reaches JetStream, budget and logger", async () => {
    const usage = watchUsage(t);
    const response = await chat({ model: "mock-echo", messages: userMessage("count my tokens") }, { "x-switchyard-cache": "bypass" });
    assert.equal(response.status, 200);
    const requestId = response.headers.get("x-request-id")!;
    await response.text();

    const { subject, event } = await usage.eventOf(requestId);
    assert.equal(subject, "switchyard.usage.success");
    assert.equal(event.outcome, "success");
    assert.equal(event.keyName, "admin");
    assert.equal(event.team, "platform");
    assert.equal(event.model, "mock-echo");
    assert.equal(event.deploymentId, "mock/echo");
    assert.equal(event.usage?.promptTokens, 3);
    assert.equal(event.usage?.completionTokens, 3);
    assert.equal(event.costUsd, 0.000009);
    assert.equal(event.status, 200);
    const stream = await (await jetstreamManager(t.nats)).streams.info("SWITCHYARD_USAGE");
    assert.ok(stream.state.messages >= 1, "the stream stored it");

    // The logger keeps the event by request id; the budget counts it in the key's and team's spend.
    const logged = await eventually(() => loggedRequest(t, requestId), "the request log entry");
    assert.equal(logged.event.requestId, requestId);
    await eventually(async () => ((await t.redis.get(`switchyard:spend:seen:${requestId}`)) ? true : undefined), "the budget to count it");
    const teamSpend = await t.redis.hgetall("switchyard:spend:team:platform:total");
    assert.ok(Number(teamSpend.requests) >= 1);
    assert.ok(Number(teamSpend.cost_usd) >= 0.000009);
  });

  it("publishes failures too, on their own subject", async () => {
    const usage = watchUsage(t);
    const response = await chat({ model: "mock-echo", messages: userMessage("x") }, { authorization: "Bearer sk-nobody-9999" });
    assert.equal(response.status, 401);
    const { subject, event } = await usage.eventOf(response.headers.get("x-request-id")!);
    assert.equal(subject, "switchyard.usage.rejected");
    assert.equal(event.failure?.code, "invalid_api_key");
    assert.equal(event.status, 401);
  });

  it("records a stream the client abandoned as cancelled", async () => {
    const usage = watchUsage(t);
    const response = await chat(
      { model: "mock-slow", stream: true, messages: userMessage("a b c d e f g h i j k l m n o p") },
      { "x-switchyard-cache": "bypass" },
    );
    const requestId = response.headers.get("x-request-id")!;
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    const { subject, event } = await usage.eventOf(requestId);
    assert.equal(subject, "switchyard.usage.cancelled");
    assert.equal(event.outcome, "cancelled");
    // The cancel travelled to the connector: its call ended as cancelled, not as a finished answer.
    const connector = t.mesh.processes.find((p) => p.name === "connector-mock")!;
    await eventually(async () => {
      const metrics = await (await fetch(`${connector.opsUrl}/metrics`)).text();
      return /switchyard_connector_generate_total\{[^}]*outcome="cancelled"[^}]*\} [1-9]/.test(metrics) ? true : undefined;
    }, "the connector to count a cancelled call");
  });
});

describe("errors in the OpenAI shape", () => {
  const errorOf = async (response: Response) => {
    assert.match(response.headers.get("content-type") ?? "", /application\/json/);
    return ((await response.json()) as { error: { message: string; type: string; param: string | null; code: string } }).error;
  };

  it("rejects malformed JSON with 400 invalid_json", async () => {
    const response = await chat('{"model": "mock-echo", "messages": [');
    assert.equal(response.status, 400);
    const error = await errorOf(response);
    assert.equal(error.code, "invalid_json");
    assert.equal(error.type, "invalid_request_error");
  });

  it("names the field of a wrong type instead of coercing it", async () => {
    const response = await chat({ model: "mock-echo", messages: userMessage("x"), temperature: "0.5" });
    assert.equal(response.status, 400);
    const error = await errorOf(response);
    assert.equal(error.param, "temperature");
    assert.match(error.message, /temperature/);
  });

  it("names a missing required field", async () => {
    const response = await chat({ model: "mock-echo" });
    assert.equal(response.status, 400);
    assert.equal((await errorOf(response)).param, "messages");
  });

  it("names the nested field at fault", async () => {
    const response = await chat({ model: "mock-echo", messages: [{ role: "robot", content: "x" }] });
    assert.equal(response.status, 400);
    assert.equal((await errorOf(response)).param, "messages[0].role");
  });

  it("answers 404 model_not_found for an unknown model", async () => {
    const response = await chat({ model: "no-such-model", messages: userMessage("x") });
    assert.equal(response.status, 404);
    const error = await errorOf(response);
    assert.equal(error.code, "model_not_found");
    assert.equal(error.param, "model");
    assert.match(error.message, /no-such-model/);
  });

  it("hides models whose provider has no key", async () => {
    const response = await chat({ model: "gpt-4o", messages: userMessage("x") });
    assert.equal(response.status, 404);
    await response.text();
  });

  it("answers 401 for a wrong or missing key", async () => {
    const wrong = await chat({ model: "mock-echo", messages: userMessage("x") }, { authorization: "Bearer sk-wrong-key-1234" });
    assert.equal(wrong.status, 401);
    const error = await errorOf(wrong);
    assert.equal(error.code, "invalid_api_key");
    assert.ok(!error.message.includes("sk-wrong-key-1234"), "the key is not echoed back whole");
    const missing = await fetch(t.url("/v1/chat/completions"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-echo", messages: userMessage("x") }),
    });
    assert.equal(missing.status, 401);
    assert.equal((await errorOf(missing)).code, "missing_api_key");
  });

  it("answers 403 when the key may not use the model", async () => {
    const response = await chat({ model: "mock-failover", messages: userMessage("x") }, { authorization: `Bearer ${NARROW_KEY}` });
    assert.equal(response.status, 403);
    assert.equal((await errorOf(response)).code, "model_not_allowed");
  });

  it("answers 413 for a body over the limit", async () => {
    const response = await chat({ model: "mock-echo", messages: userMessage("x".repeat(70_000)) });
    assert.equal(response.status, 413);
    assert.equal((await errorOf(response)).code, "request_too_large");
  });

  it("answers 404 in the OpenAI shape for an unknown route", async () => {
    const response = await fetch(t.url("/v1/nothing-here"), { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(response.status, 404);
    assert.match((await errorOf(response)).message, /Unknown request URL: GET \/v1\/nothing-here/);
  });
});

describe("models, health and metrics", () => {
  it("lists the models the key may use", async () => {
    const all = (await (await fetch(t.url("/v1/models"), { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as {
      object: string;
      data: { id: string; object: string }[];
    };
    assert.equal(all.object, "list");
    const ids = all.data.map((m) => m.id);
    assert.ok(ids.includes("mock-echo") && ids.includes("mock-failover"));
    assert.ok(!ids.includes("gpt-4o"), "models without an enabled provider are hidden");
    const narrow = (await (await fetch(t.url("/v1/models"), { headers: { authorization: `Bearer ${NARROW_KEY}` } })).json()) as {
      data: { id: string }[];
    };
    assert.deepEqual(
      narrow.data.map((m) => m.id),
      ["mock-echo"],
    );
    const one = await fetch(t.url("/v1/models/mock-echo"), { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(((await one.json()) as { id: string }).id, "mock-echo");
  });

  it("reports health on the public port, readiness and Prometheus metrics on the ops port only", async () => {
    assert.equal((await fetch(t.url("/healthz"))).status, 200);
    for (const path of ["/readyz", "/metrics"]) assert.equal((await fetch(t.url(path))).status, 404, `${path} is not on the public port`);
    const ops = t.mesh.processes.find((p) => p.name === "ingress")!.opsUrl;
    const ready = (await (await fetch(`${ops}/readyz`)).json()) as { status: string; connectors: string[] };
    assert.equal(ready.status, "ready");
    assert.deepEqual(ready.connectors, ["mock"]);
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    assert.match(metrics, /switchyard_http_request_duration_seconds_bucket\{/);
    for (const proc of t.mesh.processes) {
      assert.equal((await fetch(`${proc.opsUrl}/readyz`)).status, 200, `${proc.name} is ready`);
    }
  });
});

describe("embeddings", () => {
  it("returns deterministic vectors for string and array input", async () => {
    type Embeddings = { object: string; data: { object: string; index: number; embedding: number[] }[]; usage: { prompt_tokens: number } };
    const one = await postJson(
      t.url("/v1/embeddings"),
      { model: "mock-embed", input: "the quick brown fox" },
      { "x-switchyard-cache": "bypass" },
    );
    assert.equal(one.status, 200);
    const first = (await one.json()) as Embeddings;
    assert.equal(first.object, "list");
    assert.equal(first.data.length, 1);
    assert.equal(first.usage.prompt_tokens, 4);
    const many = (await (
      await postJson(t.url("/v1/embeddings"), { model: "mock-embed", input: ["the quick brown fox", "lazy dog"], dimensions: 16 })
    ).json()) as Embeddings;
    assert.deepEqual(
      many.data.map((d) => d.index),
      [0, 1],
    );
    assert.equal(many.data[0]?.embedding.length, 16);
    const again = (await (
      await postJson(t.url("/v1/embeddings"), { model: "mock-embed", input: "the quick brown fox" }, { "x-switchyard-cache": "bypass" })
    ).json()) as Embeddings;
    assert.deepEqual(again.data[0]?.embedding, first.data[0]?.embedding);
  });

  it("refuses a chat model for embeddings and an embeddings model for chat", async () => {
    const wrongForEmbeddings = await postJson(t.url("/v1/embeddings"), { model: "mock-echo", input: "x" });
    assert.equal(wrongForEmbeddings.status, 400);
    assert.match(((await wrongForEmbeddings.json()) as { error: { message: string } }).error.message, /does not serve embeddings/);
    const wrongForChat = await chat({ model: "mock-embed", messages: userMessage("x") });
    assert.equal(wrongForChat.status, 400);
    await wrongForChat.text();
  });

  it("names the field when input has the wrong type", async () => {
    const response = await postJson(t.url("/v1/embeddings"), { model: "mock-embed", input: 42 });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { param: string } }).error.param, "input");
  });
});

describe("streams that break", () => {
  it("ends a stream that fails after its first tokens with an error event and no [DONE]", async () => {
    const usage = watchUsage(t);
    const response = await chat(
      { model: "mock-midstream", stream: true, messages: userMessage("one two three four five") },
      { "x-switchyard-cache": "bypass" },
    );
    assert.equal(response.status, 200, "the status was sent with the first token");
    assert.equal(
      response.headers.get("x-switchyard-attempts"),
      "mock/fail?status=500&after_chunks=2:200",
      "no failover once tokens went out",
    );
    const { events, done } = await readSse(response);
    assert.equal(done, false);
    const last = events.at(-1) as { error?: { code: string; type: string } };
    assert.equal(last.error?.code, "upstream_error");
    assert.equal(events.length, 3, "two chunks, then the error");
    const { subject, event } = await usage.eventOf(response.headers.get("x-request-id")!);
    assert.equal(subject, "switchyard.usage.failed");
    assert.equal(event.failure?.code, "upstream_error");
  });
});

describe("streams that wait", () => {
  it("sends SSE comment heartbeats while the model has not answered yet", async () => {
    const response = await chat(
      { model: "mock-thinking", stream: true, messages: userMessage("slow start") },
      { "x-switchyard-cache": "bypass" },
    );
    assert.equal(response.status, 200);
    const { raw, done } = await readSse(response);
    assert.ok(done);
    const firstData = raw.indexOf("data: ");
    assert.ok(raw.slice(0, firstData).includes(": keep-alive\n\n"), "a heartbeat came before the first token");
  });
});
