import { readFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";

/**
 * The lowest port the OS hands to outgoing connections. A port picked for a server must lie
 * below it: between being picked and being bound (a service takes a second to start), a port
 * from that range can be taken by any client socket, which made starts fail with EADDRINUSE.
 */
function ephemeralFloor(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

const FLOOR = 10_000;
const CEILING = Math.max(FLOOR + 1_000, ephemeralFloor());

/** True when a server could listen on host:port right now. */
export function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Ports already handed out by this process. A picked port stays free until its service binds it,
 * so without this two picks a moment apart (one mesh's services, or a mesh and its NATS) could
 * draw the same number and one service would fail with EADDRINUSE (seen in CI).
 */
const handedOut = new Set<number>();

/** A port nobody listens on right now, outside the range the OS uses for outgoing connections, never the same twice. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = FLOOR + Math.floor(Math.random() * (CEILING - FLOOR));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port, host)) return port;
  }
  throw new Error(`no free port between ${FLOOR} and ${CEILING} on ${host}`);
}

/** True when something accepts TCP connections at host:port within `timeoutMs`. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export function hostPortOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || "127.0.0.1", port: Number(parsed.port || defaultPort) };
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
