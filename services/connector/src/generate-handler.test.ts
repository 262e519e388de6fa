import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { ProviderConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { collect, silentLogger } from "@switchyard/fake-upstreams";
import { CallCancellation, type CallContext } from "@switchyard/grpc";
import { ErrorClass, GenerateRequestSchema, type GenerateResponseSchema, Operation } from "@switchyard/proto";
import { Registry } from "@switchyard/telemetry";
import { createGenerateHandler } from "./generate-handler.js";
import { createConnectorMetrics } from "./metrics.js";
import { createMockAdapter } from "./providers/mock/index.js";
import type { ChatChunkJson, ProviderAdapter } from "./providers/types.js";

type Event = MessageInitShape<typeof GenerateResponseSchema>;

const mockProvider: ProviderConfig = { name: "mock", kind: "mock", enabled: true };

function handler(adapter: ProviderAdapter = createMockAdapter(mockProvider), provider = mockProvider) {
  const registry = new Registry();
  const generate = createGenerateHandler({ provider, adapter, logger: silentLogger, metrics: createConnectorMetrics(registry) });
  return { generate, registry };
}

function call(controller = new AbortController()): CallContext {
  return CallCancellation.following(controller.signal);
}

function generateRequest(
  model: string,
  body: unknown,
  options: { stream?: boolean; timeoutMs?: number; provider?: string; operation?: Operation } = {},
) {
  return create(GenerateRequestSchema, {
    requestId: "req-7",
    deployment: { id: `mock/${model}`, provider: options.provider ?? "mock", model },
    operation: options.operation ?? Operation.CHAT,
    stream: options.stream ?? false,
    body: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
    timeoutMs: options.timeoutMs ?? 0,
  });
}

const chat = (text: string, extra: object = {}) => ({ model: "mock-echo", messages: [{ role: "user", content: text }], ...extra });
const decode = (bytes: unknown) => JSON.parse(new TextDecoder().decode(bytes as Uint8Array)) as Record<string, unknown>;
const kinds = (events: Event[]) => events.map((e) => e.event?.case);
const failureOf = (events: Event[]) => {
  const last = events.at(-1)?.event;
  assert.equal(last?.case, "failure");
  return last.value as { code: string; message: string; class: ErrorClass; upstreamStatus: number };
};

async function counterValue(registry: Registry, labels: Record<string, string>): Promise<number> {
  // A call is counted once its answer is written, on the next turn of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
  const metric = await registry.getSingleMetric("switchyard_connector_generate_total")!.get();
  return metric.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value ?? 0;
}

describe("generate handler", () => {
  it("answers a non-streamed call with one completion, then usage", async () => {
    const { generate, registry } = handler();
    const events = await collect(generate(generateRequest("echo", chat("hello mock world")), call()));
    assert.deepEqual(kinds(events), ["completion", "usage"]);
    const completion = decode(events[0]!.event!.value);
    assert.equal(completion.object, "chat.completion");
    assert.equal(completion.id, "chatcmpl-req-7");
    const usage = events[1]!.event!.value as { promptTokens: number; completionTokens: number; totalTokens: number };
    assert.deepEqual([usage.promptTokens, usage.completionTokens, usage.totalTokens], [3, 3, 6]);
    assert.equal(await counterValue(registry, { provider: "mock", operation: "chat", outcome: "success" }), 1);
  });

  it("streams chunks, then usage, hiding the usage chunk the client did not ask for", async () => {
    const { generate } = handler();
    const events = await collect(generate(generateRequest("echo", chat("one two three"), { stream: true }), call()));
    assert.deepEqual(kinds(events), ["chunk", "chunk", "chunk", "usage"]);
    const chunks = events.slice(0, 3).map((e) => decode(e.event!.value));
    assert.equal(chunks.map((c) => (c.choices as { delta: { content: string } }[])[0]!.delta.content).join(""), "one two three");
    assert.ok(chunks.every((c) => !("usage" in c)));
    const usage = events[3]!.event!.value as { completionTokens: number };
    assert.equal(usage.completionTokens, 3);
  });

  it("forwards the usage chunk when the client asked for it", async () => {
    const { generate } = handler();
    const body = chat("one two", { stream: true, stream_options: { include_usage: true } });
    const events = await collect(generate(generateRequest("echo", body, { stream: true }), call()));
    assert.deepEqual(kinds(events), ["chunk", "chunk", "chunk", "usage"]);
    const last = decode(events[2]!.event!.value);
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 });
  });

  it("ends with a failure event after chunks already sent", async () => {
    const { generate, registry } = handler();
    const events = await collect(generate(generateRequest("fail?status=503&after_chunks=1", chat("a b c"), { stream: true }), call()));
    assert.deepEqual(kinds(events), ["chunk", "failure"]);
    const failure = failureOf(events);
    assert.equal(failure.code, "upstream_unavailable");
    assert.equal(failure.message, "mock is overloaded or unavailable (status 503)");
    assert.equal(failure.class, ErrorClass.RETRYABLE);
    assert.equal(failure.upstreamStatus, 503);
    assert.equal(await counterValue(registry, { outcome: "upstream_unavailable" }), 1);
  });

  it("gives each call's adapter that call's request id, deployment, a live signal, a logger and a limits report", async () => {
    const seen: { requestId: string; deployment: { id: string; model: string }; aborted: boolean; reports: boolean }[] = [];
    const mock = createMockAdapter(mockProvider);
    const spy: ProviderAdapter = {
      ...mock,
      chat: (request, ctx) => {
        ctx.logger.info("adapter called");
        seen.push({
          requestId: ctx.requestId,
          deployment: { id: ctx.deployment.id, model: ctx.deployment.model },
          aborted: ctx.signal.aborted,
          reports: typeof ctx.reportLimits === "function",
        });
        return mock.chat(request, ctx);
      },
    };
    const { generate } = handler(spy);
    for (const [requestId, text] of [
      ["req-1", "one"],
      ["req-2", "two"],
    ] as const) {
      const request = generateRequest("echo", chat(text));
      request.requestId = requestId;
      assert.deepEqual(kinds(await collect(generate(request, call()))), ["completion", "usage"]);
    }
    assert.deepEqual(seen, [
      { requestId: "req-1", deployment: { id: "mock/echo", model: "echo" }, aborted: false, reports: true },
      { requestId: "req-2", deployment: { id: "mock/echo", model: "echo" }, aborted: false, reports: true },
    ]);
  });

  it("turns a passed deadline into upstream_timeout and stops the adapter", async () => {
    let adapterSignal: AbortSignal | undefined;
    const mock = createMockAdapter(mockProvider);
    const spy: ProviderAdapter = {
      ...mock,
      chatStream: (request, ctx) => {
        adapterSignal = ctx.signal;
        return mock.chatStream(request, ctx);
      },
    };
    const { generate } = handler(spy);
    const events = await collect(generate(generateRequest("echo?ttft_ms=3600000", chat("hi"), { stream: true, timeoutMs: 5 }), call()));
    assert.deepEqual(kinds(events), ["failure"]);
    assert.equal(failureOf(events).code, "upstream_timeout");
    assert.equal(adapterSignal?.aborted, true);
  });

  it("stops without a failure when the caller cancels, and aborts the adapter", async () => {
    const controller = new AbortController();
    let adapterAborted = false;
    const endless: ProviderAdapter = {
      chat: async () => assert.fail("not called"),
      chatStream: async function* (_request, ctx): AsyncGenerator<ChatChunkJson> {
        yield {
          id: "c",
          object: "chat.completion.chunk",
          created: 1,
          model: "m",
          choices: [{ index: 0, delta: { content: "hi" }, finish_reason: null }],
        };
        if (!ctx.signal.aborted) await once(ctx.signal, "abort");
        adapterAborted = ctx.signal.aborted;
        throw ctx.signal.reason;
      },
    };
    const { generate, registry } = handler(endless);
    const events: Event[] = [];
    for await (const event of generate(generateRequest("echo", chat("a b"), { stream: true }), call(controller))) {
      events.push(event);
      controller.abort();
    }
    assert.deepEqual(kinds(events), ["chunk"]);
    assert.equal(adapterAborted, true);
    assert.equal(await counterValue(registry, { outcome: "cancelled" }), 1);
  });

  it("reports bad requests and wrong providers as failures, not exceptions", async () => {
    const { generate } = handler();
    const notJson = await collect(generate(generateRequest("echo", "{oops"), call()));
    assert.equal(failureOf(notJson).code, "invalid_json");
    assert.equal(failureOf(notJson).class, ErrorClass.CLIENT);
    const notObject = await collect(generate(generateRequest("echo", "[1,2]"), call()));
    assert.equal(failureOf(notObject).code, "invalid_request");
    const otherProvider = await collect(generate(generateRequest("echo", chat("hi"), { provider: "openai" }), call()));
    assert.equal(failureOf(otherProvider).code, "service_unavailable");
    assert.match(failureOf(otherProvider).message, /serves provider "mock", not "openai"/);
    const badModel = await collect(generate(generateRequest("gpt-4o", chat("hi")), call()));
    assert.equal(failureOf(badModel).code, "upstream_rejected");
  });

  it("hides unexpected adapter errors behind internal_error", async () => {
    const broken: ProviderAdapter = {
      chat: async () => {
        throw new TypeError("cannot read properties of undefined (secret detail)");
      },
      chatStream: async function* () {},
    };
    const { generate } = handler(broken);
    const events = await collect(generate(generateRequest("echo", chat("hi")), call()));
    const failure = failureOf(events);
    assert.equal(failure.code, "internal_error");
    assert.doesNotMatch(failure.message, /secret detail/);
  });

  it("serves embeddings when the adapter has them, and says so when not", async () => {
    const { generate } = handler();
    const events = await collect(
      generate(generateRequest("echo", { model: "e", input: "hello world" }, { operation: Operation.EMBEDDINGS }), call()),
    );
    assert.deepEqual(kinds(events), ["completion", "usage"]);
    assert.equal(decode(events[0]!.event!.value).object, "list");
    assert.equal((events[1]!.event!.value as { promptTokens: number }).promptTokens, 2);

    const chatOnly: ProviderAdapter = { chat: createMockAdapter(mockProvider).chat, chatStream: async function* () {} };
    const without = await collect(
      handler(chatOnly).generate(generateRequest("echo", { input: "x" }, { operation: Operation.EMBEDDINGS }), call()),
    );
    assert.equal(failureOf(without).code, "invalid_request");
  });

  it("uses the provider's error when the adapter throws a GatewayError", async () => {
    const refusing: ProviderAdapter = {
      chat: async () => {
        throw new GatewayError("upstream_auth_failed", "bad key", { upstreamStatus: 401 });
      },
      chatStream: async function* (): AsyncGenerator<ChatChunkJson> {},
    };
    const events = await collect(handler(refusing).generate(generateRequest("echo", chat("hi")), call()));
    assert.equal(failureOf(events).code, "upstream_auth_failed");
    assert.equal(failureOf(events).class, ErrorClass.FINAL);
  });
});
