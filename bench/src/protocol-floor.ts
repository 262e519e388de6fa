// What the full path's hops cost with the gateway's own protocols and no gateway work: one
// request at a time from a client through trivial relays to the bench's fake upstream.
//
// - `upstream`: client → upstream, the baseline's shape.
// - `single`: client → one relay process (node:http in, undici out) → upstream: the hops of any
//   single-process gateway.
// - `mesh`: client → front relay (node:http in) → the gateway's own multiplexed gRPC client and
//   server (@switchyard/grpc, ConnectorService.Generate, over a Unix socket as the launcher sets
//   it up) → back relay (undici out) → upstream: the processes and protocols of the full path,
//   with a handler that only passes the bytes along.
//
// `mesh` minus `upstream` is the floor under the full path's added latency on this machine: what
// no code in the ingress or the connector can take away, short of changing the mesh's shape.
//
//   node bench/dist/protocol-floor.js [requests]
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, startGrpcServer } from "@switchyard/grpc";
import { ConnectorService, type GenerateRequest } from "@switchyard/proto";
import { Pool } from "undici";
import { forkReportingPort, Upstream } from "./helpers.js";
import { type Summary, summarize } from "./stats.js";

export interface ProtocolFloor {
  upstream: Summary;
  single: Summary;
  mesh: Summary;
}

const CHAT_PATH = "/v1/chat/completions";
const JSON_HEADERS = { "content-type": "application/json" };

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** POSTs `body` to the upstream and returns its answer whole. */
async function postUpstream(pool: Pool, body: Uint8Array): Promise<Buffer> {
  const response = await pool.request({ path: CHAT_PATH, method: "POST", headers: JSON_HEADERS, body });
  return Buffer.from(await response.body.arrayBuffer());
}

/** An HTTP/1.1 server that answers every request with what `relay` makes of its body; resolves to its port. */
async function serveHttp(relay: (body: Buffer) => Promise<Uint8Array>): Promise<number> {
  const server = createServer((request, response) => {
    bodyOf(request)
      .then(relay)
      .then((answer) => {
        response.writeHead(200, JSON_HEADERS);
        response.end(answer);
      })
      .catch((error: unknown) => {
        response.writeHead(502);
        response.end(String(error));
      });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as { port: number }).port;
}

/** Runs in each child: `single <upstream>`, `back <upstream> <socket>` or `front <socket>`; reports a port (or readiness) on IPC. */
async function child(role: string, target: string, socket?: string): Promise<void> {
  process.on("disconnect", () => process.exit(0));
  if (role === "single") {
    const upstream = new Pool(target, { connections: 4 });
    process.send!({ port: await serveHttp((body) => postUpstream(upstream, body)) });
  } else if (role === "back") {
    const upstream = new Pool(target, { connections: 4 });
    async function* generate(request: GenerateRequest) {
      yield { event: { case: "completion" as const, value: await postUpstream(upstream, request.body) } };
    }
    await startGrpcServer(
      "127.0.0.1",
      0,
      (server) => server.add(ConnectorService, { generate }),
      () => undefined,
      socket,
    );
    process.send!({ port: 0 });
  } else {
    const connector = createClient(ConnectorService, `unix://${target}`);
    await connector.waitForReady(10_000);
    const deployment = { id: "floor", provider: "floor", model: "bench-upstream" };
    process.send!({
      port: await serveHttp(async (body) => {
        for await (const event of connector.generate({ requestId: "floor", deployment, body })) {
          if (event.event.case === "completion") return event.event.value;
        }
        throw new Error("no completion");
      }),
    });
  }
}

const start = (args: string[]) => forkReportingPort(fileURLToPath(import.meta.url), args);

/** `count` requests one at a time to `origin` after a warm-up; latency of each to its last byte. */
async function oneAtATime(origin: string, body: string, count: number): Promise<Summary> {
  const pool = new Pool(origin, { connections: 1 });
  try {
    const samples = new Float64Array(count);
    for (let i = -Math.min(2_000, count); i < count; i++) {
      const t0 = performance.now();
      const response = await pool.request({ path: CHAT_PATH, method: "POST", headers: JSON_HEADERS, body });
      await response.body.arrayBuffer();
      if (response.statusCode !== 200) throw new Error(`protocol floor: ${origin} answered ${response.statusCode}`);
      if (i >= 0) samples[i] = performance.now() - t0;
    }
    return summarize(samples.sort());
  } finally {
    await pool.close();
  }
}

export interface FloorChains {
  /** Where each chain takes requests: the upstream itself, the single relay, the mesh-shaped front relay. */
  origins: Record<keyof ProtocolFloor, string>;
  stop(): void;
}

/** Starts the relay processes of the `single` and `mesh` chains in front of `upstream`. */
export async function startFloorChains(upstream: Upstream): Promise<FloorChains> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-floor-"));
  const started: ChildProcess[] = [];
  const stop = () => {
    for (const proc of started) proc.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const socket = join(dir, "back.sock");
    const single = await start(["single", upstream.origin]);
    started.push(single.process);
    started.push((await start(["back", upstream.origin, socket])).process);
    const front = await start(["front", socket]);
    started.push(front.process);
    return {
      origins: { upstream: upstream.origin, single: `http://127.0.0.1:${single.port}`, mesh: `http://127.0.0.1:${front.port}` },
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}

/**
 * Measures the three chains in front of `upstream` with `body`, in the same order twice (the
 * figures are the second round's), so each meets the machine as warmed up by the others.
 */
export async function measureProtocolFloor(upstream: Upstream, body: string, count: number): Promise<ProtocolFloor> {
  const chains = await startFloorChains(upstream);
  try {
    const { origins } = chains;
    let result: ProtocolFloor | undefined;
    for (let round = 0; round < 2; round++) {
      result = {
        upstream: await oneAtATime(origins.upstream, body, count),
        single: await oneAtATime(origins.single, body, count),
        mesh: await oneAtATime(origins.mesh, body, count),
      };
    }
    return result!;
  } finally {
    chains.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [role, target, socket] = process.argv.slice(2);
  if (role === "single" || role === "back" || role === "front") await child(role, target!, socket);
  else {
    const count = Number(role ?? 5_000);
    const upstream = await Upstream.start();
    try {
      const body = JSON.stringify({
        model: "bench-upstream",
        messages: [{ role: "user", content: "Say hello in five words." }],
        max_tokens: 32,
      });
      const floor = await measureProtocolFloor(upstream, body, count);
      for (const [name, l] of Object.entries(floor) as [string, Summary][]) {
        const added =
          name === "upstream"
            ? ""
            : `  (added p50 ${(l.p50 - floor.upstream.p50).toFixed(3)}, p99 ${(l.p99 - floor.upstream.p99).toFixed(3)})`;
        console.log(
          `${name.padEnd(8)} p50 ${l.p50.toFixed(3)}  p90 ${l.p90.toFixed(3)}  p99 ${l.p99.toFixed(3)}  p99.9 ${l.p999.toFixed(3)} ms${added}`,
        );
      }
    } finally {
      await upstream.stop();
    }
  }
}
