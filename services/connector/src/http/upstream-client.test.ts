import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { collect, testCall } from "@switchyard/fake-upstreams";
import { sseEvents } from "./sse.js";
import { UpstreamClient } from "./upstream-client.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe("upstream client", () => {
  let server: Server;
  let url: string;
  let handle: Handler = () => {};
  const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];

  before(async () => {
    server = createServer(async (req, res) => {
      let body = "";
      for await (const part of req) body += String(part);
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handle(req, body, res);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("posts JSON with static and signed headers and the base URL's path and query", async () => {
    handle = (_req, _body, res) => res.writeHead(200, { "content-type": "application/json", "x-left": "3" }).end('{"ok":true}');
    const signed: string[] = [];
    const client = new UpstreamClient({
      provider: "acme",
      baseUrl: `${url}/api/v2?tenant=t1`,
      headers: { "x-api-key": "k" },
      sign: ({ method, url: target, body }) => {
        signed.push(`${method} ${target.pathname}${target.search} ${body}`);
        return { authorization: "Signed abc" };
      },
      rateLimits: (headers) => ({ remainingRequests: Number(headers["x-left"]) }),
    });
    const call = testCall("m");
    const answer = await client.postJson<{ ok: boolean }>("/messages", { a: 1 }, call, { v: "2" });
    assert.deepEqual(answer.json, { ok: true });
    const sent = seen.at(-1)!;
    assert.equal(sent.url, "/api/v2/messages?tenant=t1&v=2");
    assert.equal(sent.body, '{"a":1}');
    assert.equal(sent.headers["x-api-key"], "k");
    assert.equal(sent.headers.authorization, "Signed abc");
    assert.equal(sent.headers["content-type"], "application/json");
    assert.deepEqual(signed, ['POST /api/v2/messages?tenant=t1&v=2 {"a":1}']);
    assert.deepEqual(call.limits, [{ remainingRequests: 3 }]);
    await client.close();
  });

  it("turns refusals into GatewayErrors through parseError, with retry-after, reporting limits too", async () => {
    handle = (_req, _body, res) =>
      res
        .writeHead(429, { "content-type": "application/json", "retry-after": "7", "x-left": "0" })
        .end('{"type":"error","error":{"type":"rate_limit_error","message":"slow down sk-secret"}}');
    const client = new UpstreamClient({
      provider: "acme",
      baseUrl: url,
      parseError: (_status, text) => {
        const error = (JSON.parse(text) as { error: { type: string; message: string } }).error;
        return { message: error.message, type: error.type };
      },
      rateLimits: (headers) => ({ remainingRequests: Number(headers["x-left"]) }),
    });
    const call = testCall("m");
    const error = await client.postJson("/x", {}, call).catch((e: unknown) => e);
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, "upstream_rate_limited");
    assert.equal(error.retryAfterS, 7);
    assert.equal(error.message, "acme is rate limiting the gateway (status 429)");
    assert.deepEqual(call.limits, [{ remainingRequests: 0 }]);

    handle = (_req, _body, res) =>
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":{"message":"bad field, key sk-secret"}}');
    const rejected = await new UpstreamClient({ provider: "acme", baseUrl: url })
      .postJson("/x", {}, testCall("m"))
      .catch((e: unknown) => e);
    assert.ok(rejected instanceof GatewayError);
    assert.equal(rejected.message, "bad field, key sk-[redacted]");
    await client.close();
  });

  it("calls an answer that is not JSON a malformed answer, and an unreachable host unavailable", async () => {
    handle = (_req, _body, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>");
    const client = new UpstreamClient({ provider: "acme", baseUrl: url });
    await assert.rejects(
      client.postJson("/x", {}, testCall("m")),
      (e: unknown) => e instanceof GatewayError && e.code === "upstream_error" && /not JSON/.test(e.message),
    );
    await client.close();
    const nowhere = new UpstreamClient({ provider: "acme", baseUrl: "http://127.0.0.1:1" });
    await assert.rejects(
      nowhere.postJson("/x", {}, testCall("m")),
      (e: unknown) => e instanceof GatewayError && e.code === "upstream_unavailable",
    );
    await nowhere.close();
  });

  it("streams a body as it arrives into server-sent events, and aborts it on cancel", async () => {
    handle = (_req, _body, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('event: start\ndata: {"a":1}\n\n: comment\r\ndata: two\r\ndata: lines\r\n\r\n');
      res.end("data: last");
    };
    const client = new UpstreamClient({ provider: "acme", baseUrl: url });
    const stream = await client.postStream("/s", {}, testCall("m"));
    assert.deepEqual(await collect(sseEvents(stream.body)), [
      { event: "start", data: '{"a":1}' },
      { data: "two\nlines" },
      { data: "last" },
    ]);

    let closed = false;
    handle = (_req, _body, res) => {
      res.on("close", () => (closed = !res.writableFinished));
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: first\n\n");
    };
    const controller = new AbortController();
    const hanging = await client.postStream("/s", {}, testCall("m", { signal: controller.signal }));
    const events = sseEvents(hanging.body)[Symbol.asyncIterator]();
    assert.deepEqual((await events.next()).value, { data: "first" });
    const next = events.next();
    controller.abort();
    await assert.rejects(next, (e: unknown) => !(e instanceof GatewayError));
    for (let tries = 0; tries < 200 && !closed; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(closed, "the server saw the request aborted");
    await client.close();
  });

  it("rejects at once when the call was already cancelled", async () => {
    const client = new UpstreamClient({ provider: "acme", baseUrl: url });
    const controller = new AbortController();
    controller.abort();
    const before = seen.length;
    await assert.rejects(
      client.postJson("/x", {}, testCall("m", { signal: controller.signal })),
      (e: unknown) => !(e instanceof GatewayError),
    );
    assert.equal(seen.length, before, "nothing was sent");
    await client.close();
  });
});
