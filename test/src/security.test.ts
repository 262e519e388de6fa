// Probes the running mesh from outside, as an attacker on the network and an operator reading
// logs would: internal gRPC services refuse callers without the mesh secret, and a provider that
// echoes the gateway's credentials in an error reaches neither the client, nor a log, nor the
// request log in Redis.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createClient, GrpcStatus } from "@switchyard/grpc";
import { ConnectorService, Operation, PolicyService } from "@switchyard/proto";
import { ADMIN_KEY, eventually, postJson, ROOT, readSse, startTestMesh, TEST_CONFIG, type TestMesh, userMessage } from "./harness.js";

// No credential shape of its own: only the redaction of what surrounds it (`Bearer …`) can catch it.
const UPSTREAM_KEY = "opaque-upstream-secret-93f1c2d4";
const MAX_PER_CLIENT = 8;

// The mesh makes its own secret; this process must not hold one, as an outsider would not.
delete process.env.SWITCHYARD_MESH_SECRET;

let upstream: Server;
let upstreamRequests = 0;
let t: TestMesh;

before(async () => {
  // An OpenAI-compatible upstream that answers every request with a 400 echoing the headers it got.
  upstream = createServer((request, response) => {
    upstreamRequests++;
    request.resume();
    request.on("end", () => {
      const echoed = `authorization: ${request.headers.authorization}; x-api-key: ${UPSTREAM_KEY}`;
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: `Invalid request. Headers received: ${echoed}`, type: "invalid_request_error" } }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const dir = mkdtempSync(join(tmpdir(), "switchyard-security-test-"));
  const config = join(dir, "switchyard.yaml");
  writeFileSync(
    config,
    `
providers:
  echo: { kind: openai, api_base: "http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1", api_key: "${UPSTREAM_KEY}" }
models:
  leaky: { deployments: [{ provider: echo, model: gpt-4o-mini }] }
keys:
  - { name: admin, key: ${ADMIN_KEY}, role: admin }
`,
  );
  t = await startTestMesh({
    configPath: config,
    connectors: [{ provider: "echo" }],
    logLevel: "debug",
    env: { SWITCHYARD_HEADERS_TIMEOUT_MS: "1000", SWITCHYARD_MAX_CONNECTIONS_PER_IP: String(MAX_PER_CLIENT) },
  });
});
after(async () => {
  await t?.stop();
  upstream?.close();
});

describe("internal services behind the mesh secret", () => {
  const addressOf = (name: string) => {
    const proc = t.mesh.processes.find((p) => p.name === name)!;
    return `${new URL(proc.opsUrl).hostname}:${proc.grpcPort}`;
  };

  it("a service refuses to serve gRPC on a non-loopback address without the secret", async () => {
    const child = spawn(process.execPath, [join(ROOT, "services", "policy", "dist", "main.js")], {
      env: { PATH: process.env.PATH, SWITCHYARD_CONFIG: TEST_CONFIG, GRPC_HOST: "0.0.0.0", GRPC_PORT: "0", OPS_PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    assert.equal(code, 1, output);
    assert.match(output, /refusing to serve gRPC on 0\.0\.0\.0 without SWITCHYARD_MESH_SECRET/);
  });

  for (const multiplex of [false, true]) {
    const how = multiplex ? "on a multiplexed stream" : "as a call of its own";
    it(`refuses a direct PolicyService.Authorize without the secret (${how})`, async () => {
      const policy = createClient(PolicyService, addressOf("policy"), { multiplex });
      try {
        await assert.rejects(policy.authorize({ apiKey: ADMIN_KEY, model: "leaky", requestId: "outsider" }), (error: { code: number }) => {
          assert.equal(error.code, GrpcStatus.UNAUTHENTICATED);
          return true;
        });
      } finally {
        policy.close();
      }
    });

    it(`refuses a direct ConnectorService.Generate without the secret, and calls no upstream (${how})`, async () => {
      const before = upstreamRequests;
      const connector = createClient(ConnectorService, addressOf("connector-echo"), { multiplex });
      const body = new TextEncoder().encode(JSON.stringify({ model: "leaky", messages: userMessage("free tokens?") }));
      try {
        await assert.rejects(
          (async () => {
            for await (const _ of connector.generate({
              requestId: `outsider-${multiplex}`,
              deployment: { id: "leaky#0", provider: "echo", model: "gpt-4o-mini" },
              operation: Operation.CHAT,
              body,
            })) {
              assert.fail("no event reaches a caller without the secret");
            }
          })(),
          (error: { code: number }) => {
            assert.equal(error.code, GrpcStatus.UNAUTHENTICATED);
            return true;
          },
        );
      } finally {
        connector.close();
      }
      assert.equal(upstreamRequests, before, "the upstream was not called");
    });
  }
});

describe("a provider echoing the gateway's credentials in an error", () => {
  it("never hands the key to the client, a log, or the request log", async () => {
    const response = await postJson(t.url("/v1/chat/completions"), { model: "leaky", messages: userMessage("hello") });
    const requestId = response.headers.get("x-request-id")!;
    const text = await response.text();
    assert.equal(response.status, 400);
    assert.match(text, /Bearer \[redacted\]/, "the provider's message is passed on, redacted");
    assert.ok(!text.includes(UPSTREAM_KEY), "the client's answer holds no key");

    const streamed = await postJson(t.url("/v1/chat/completions"), { model: "leaky", stream: true, messages: userMessage("hello") });
    const raw = streamed.status === 200 ? (await readSse(streamed)).raw : await streamed.text();
    assert.ok(!raw.includes(UPSTREAM_KEY), "the streamed answer holds no key");

    const stored = await eventually(async () => {
      const logged = await fetch(t.url(`/admin/logs/${requestId}`), { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      return logged.status === 200 ? await logged.text() : undefined;
    }, "the request log entry");
    assert.match(stored, /\[redacted\]/, "the stored failure went through redaction");
    assert.ok(!stored.includes(UPSTREAM_KEY), "the request log holds no key");

    const connectorLog = await eventually(async () => {
      const lines = t.mesh.recentLogs("connector-echo");
      return lines.includes("upstream failure") ? lines : undefined;
    }, "the connector to log the upstream failure");
    assert.match(connectorLog, /Bearer \[redacted\]/, "the connector logged the provider's message, redacted");
    assert.ok(!t.mesh.recentLogs().includes(UPSTREAM_KEY), "no service logged the key");
  });
});

describe("the public port under slow and numerous connections", () => {
  const ingressAddress = () => new URL(t.mesh.baseUrl);
  /** Opens a connection and asks for /healthz on it: the status line, or undefined when the ingress closed it unanswered. */
  const ask = async (): Promise<{ socket: Socket; answer: string | undefined }> => {
    const { hostname, port } = ingressAddress();
    const socket = connect(Number(port), hostname);
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    socket.on("error", () => {});
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    const answered = new Promise<boolean>((resolve) => {
      socket.on("data", () => received.includes("\r\n\r\n") && resolve(true));
      socket.once("close", () => resolve(received.length > 0));
    });
    return { socket, answer: (await answered) ? received.split("\r\n")[0] : undefined };
  };

  it("closes a connection past the per-client cap unanswered, and keeps serving the others", async () => {
    const open: Socket[] = [];
    try {
      let refused = false;
      for (let i = 0; i <= MAX_PER_CLIENT && !refused; i++) {
        const { socket, answer } = await ask();
        open.push(socket);
        if (answer === undefined) refused = true;
        else assert.equal(answer, "HTTP/1.1 200 OK");
      }
      assert.ok(refused, `a connection beyond ${MAX_PER_CLIENT} from one address is closed`);
    } finally {
      for (const socket of open) socket.destroy();
    }
    // Once the others are gone, the address may connect again.
    await eventually(async () => {
      const { socket, answer } = await ask();
      socket.destroy();
      return answer === "HTTP/1.1 200 OK" ? true : undefined;
    }, "a new connection to be served");
  });

  it("closes a connection that has not finished its headers in time", { timeout: 30_000 }, async () => {
    const { hostname, port } = ingressAddress();
    const socket = connect(Number(port), hostname);
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    socket.on("error", () => {});
    // The request line and one header, then nothing: the headers never end.
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n`);
    await once(socket, "close");
    assert.match(received, /^HTTP\/1\.1 408/);
  });
});
