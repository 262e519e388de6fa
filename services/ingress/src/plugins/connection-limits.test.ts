import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { parseConfig } from "@switchyard/config";
import { createRegistry } from "@switchyard/telemetry";
import { pino } from "pino";
import { buildApp } from "../app.js";
import { createDecisions, type MeshClients } from "../mesh/clients.js";
import type { ConnectionLimits } from "./connection-limits.js";

const config = parseConfig(
  "providers: { mock: { kind: mock } }\nmodels: { m: { deployments: [{ provider: mock, model: echo }] } }\nkeys: [{ name: dev, key: sk-unit-test-key, role: admin }]\n",
  "unit",
  {},
);
const mesh = {
  decisions: createDecisions(),
  readiness: () => [],
  connectors: { providers: () => [] },
  close: async () => {},
} as unknown as MeshClients;

async function listening(limits: Partial<ConnectionLimits>) {
  const connections = {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 60_000,
    keepAliveTimeoutMs: 72_000,
    maxConnections: 100,
    maxConnectionsPerIp: 100,
    ...limits,
  };
  const app = buildApp({ config, mesh, logger: pino({ level: "silent" }), registry: createRegistry("limits"), connections });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as { port: number };
  return { app, port };
}

async function open(port: number): Promise<Socket> {
  const socket = connect({ host: "127.0.0.1", port });
  await once(socket, "connect");
  return socket;
}

/** Everything the server sends until it closes the socket. */
async function untilClosed(socket: Socket): Promise<string> {
  let received = "";
  socket.on("data", (chunk) => (received += chunk.toString()));
  socket.on("error", () => {});
  await once(socket, "close");
  return received;
}

async function healthz(socket: Socket): Promise<string> {
  socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  const [chunk] = (await once(socket, "data")) as [Buffer];
  return chunk.toString();
}

describe("connection limits", () => {
  it("cuts off a client that trickles its headers with 408", async (t) => {
    const { app, port } = await listening({ headersTimeoutMs: 300 });
    t.after(() => app.close());
    const socket = await open(port);
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n");
    assert.match(await untilClosed(socket), /^HTTP\/1\.1 408/);
  });

  it("closes connections over the per-address cap and keeps serving the others", async (t) => {
    const { app, port } = await listening({ maxConnectionsPerIp: 2 });
    t.after(() => app.close());
    const [a, b] = [await open(port), await open(port)];
    const refused = await open(port);
    assert.equal(await untilClosed(refused), "", "closed without an answer");
    assert.match(await healthz(a), /^HTTP\/1\.1 200/);
    a.destroy();
    b.destroy();
  });

  it("closes connections over the total cap", async (t) => {
    const { app, port } = await listening({ maxConnections: 1 });
    t.after(() => app.close());
    const first = await open(port);
    const refused = await open(port);
    assert.equal(await untilClosed(refused), "");
    assert.match(await healthz(first), /^HTTP\/1\.1 200/);
    first.destroy();
  });
});
