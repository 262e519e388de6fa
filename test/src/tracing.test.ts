import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type FakeOpenAI, startFakeOpenAI } from "@switchyard/fake-upstreams";
import { ADMIN_KEY, eventually, postJson, startTestMesh, type TestMesh, userMessage } from "./harness.js";

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
}

interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: OtlpAttribute[] }[] }[];
  }[];
}
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}

const attributesOf = (list: OtlpAttribute[] = []) =>
  Object.fromEntries(list.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue ?? a.value.doubleValue]));

/** A local OTLP/HTTP trace receiver (the exporter's JSON encoding): keeps every span it is sent. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      if (request.url === "/v1/traces") {
        const payload = JSON.parse(body) as OtlpJson;
        for (const resource of payload.resourceSpans ?? []) {
          const service = String(attributesOf(resource.resource?.attributes)["service.name"]);
          for (const scope of resource.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              spans.push({
                service,
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId ?? "",
                name: span.name,
                attributes: attributesOf(span.attributes),
              });
            }
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, spans, server };
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let upstream: FakeOpenAI;
let t: TestMesh;
before(async () => {
  receiver = await startReceiver();
  // An OpenAI-compatible upstream, so that the connector makes a real HTTP request.
  upstream = await startFakeOpenAI();
  const config = join(mkdtempSync(join(tmpdir(), "switchyard-tracing-test-")), "switchyard.yaml");
  writeFileSync(
    config,
    `
providers:
  up: { kind: openai, api_base: "${upstream.url}/v1", api_key: "sk-upstream-0000" }
models:
  gpt-fake:
    deployments: [{ provider: up, model: gpt-4o-mini, price: { input: 0.15, output: 0.6 } }]
keys:
  - { name: admin, key: ${ADMIN_KEY}, role: admin, team: platform }
`,
  );
  t = await startTestMesh({
    configPath: config,
    connectors: [{ provider: "up" }],
    // Spans leave in batches; a short delay keeps the test quick.
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "100" },
  });
});
after(async () => {
  await t?.stop();
  await upstream?.close();
  receiver?.server.close();
});

describe("tracing", () => {
  it("follows one request through ingress, policy, router, connector and its upstream call, budget and logger in one trace", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await postJson(
      t.url("/v1/chat/completions"),
      { model: "gpt-fake", messages: userMessage("trace me") },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-switchyard-cache": "bypass" },
    );
    assert.equal(response.status, 200);
    const requestId = response.headers.get("x-request-id");
    await response.text();

    const wanted = [
      "switchyard-ingress",
      "switchyard-policy",
      "switchyard-router",
      "switchyard-connector",
      "switchyard-budget",
      "switchyard-logger",
    ];
    const servicesSeen = () => [...new Set(receiver.spans.filter((s) => s.traceId === traceId).map((s) => s.service))].sort().join(", ");
    const trace = await eventually(async () => {
      const spans = receiver.spans.filter((s) => s.traceId === traceId);
      const services = new Set(spans.map((s) => s.service));
      return wanted.every((w) => services.has(w)) ? spans : undefined;
    }, "spans from every service in the request's trace").catch((error: Error) => {
      throw new Error(`${error.message} (seen: ${servicesSeen() || "none"})`);
    });

    const root = trace.find((s) => s.service === "switchyard-ingress" && s.name === "POST /v1/chat/completions");
    assert.ok(root, "the ingress's request span");
    assert.equal(root.parentSpanId, "00f067aa0ba902b7", "it continues the client's traceparent");
    assert.equal(root.attributes.request_id, requestId);
    const ids = new Set(trace.map((s) => s.spanId));
    for (const span of trace.filter((s) => s !== root))
      assert.ok(ids.has(span.parentSpanId), `${span.service} ${span.name} hangs off a span of the same trace`);
    const generate = trace.find((s) => s.service === "switchyard-connector" && s.name === "/switchyard.v1.ConnectorService/Generate");
    assert.equal(generate?.parentSpanId, root.spanId, "the connector's call is the request's child, through the multiplexed stream");
    assert.ok(trace.some((s) => s.service === "switchyard-policy" && s.parentSpanId === root.spanId));
    const upstreamCall = await eventually(
      async () =>
        receiver.spans.find((s) => s.traceId === traceId && s.service === "switchyard-connector" && s.parentSpanId === generate?.spanId),
      "the connector's upstream HTTP span",
    );
    assert.equal(upstreamCall.attributes["http.request.method"], "POST");
    assert.match(String(upstreamCall.attributes["url.full"]), /\/v1\/chat\/completions$/);
  });
});
