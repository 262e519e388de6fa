import type { ServerOptions } from "node:http";
import type { Server, Socket } from "node:net";
import type { Env } from "@switchyard/config";

/** How long a client may take and how many sockets it may hold (SWITCHYARD_* variables). */
export interface ConnectionLimits {
  /** Time to send the request line and headers; a client that trickles them is cut off with 408. */
  headersTimeoutMs: number;
  /** Time to send the whole request, body included (not the time to answer it). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Open connections in total; the ingress closes any further one at once. */
  maxConnections: number;
  /** Open connections from one client address; any further one is closed at once. */
  maxConnectionsPerIp: number;
}

export function connectionLimitsFrom(env: Env): ConnectionLimits {
  return {
    headersTimeoutMs: Number(env.SWITCHYARD_HEADERS_TIMEOUT_MS),
    requestTimeoutMs: Number(env.SWITCHYARD_REQUEST_TIMEOUT_MS),
    keepAliveTimeoutMs: Number(env.SWITCHYARD_KEEPALIVE_TIMEOUT_MS),
    maxConnections: Number(env.SWITCHYARD_MAX_CONNECTIONS),
    maxConnectionsPerIp: Number(env.SWITCHYARD_MAX_CONNECTIONS_PER_IP),
  };
}

/** The fastify options that carry the time limits to Node's HTTP server. */
export function serverTimeouts(limits: ConnectionLimits): { keepAliveTimeout: number; requestTimeout: number; http: ServerOptions } {
  return {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node enforces both timeouts on this tick; its 30 s default would stretch a 10 s limit to 40 s.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
  };
}

/** Caps open connections in total and per client address on `server`. */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.maxConnections;
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "";
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerIp) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
