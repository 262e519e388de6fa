import type { Server } from "node:http";
import type { Socket } from "node:net";
import type { GatewayConfig } from "@switchyard/config";

type Limits = GatewayConfig["connections"];

/**
 * Node options of the public HTTP server: a request's line and headers must arrive within
 * `headers_timeout_ms`, checked every second (Node checks every 30 s by default, so a slow client
 * could hold a connection that much longer).
 */
export function httpServerOptions(limits: Limits) {
  return { headersTimeout: limits.headers_timeout_ms, connectionsCheckingInterval: Math.min(1_000, limits.headers_timeout_ms) };
}

/**
 * Caps open connections in all (`server.maxConnections`: Node closes the ones beyond it) and per
 * client address: a connection past its address's cap is destroyed before anything is read.
 */
export function limitConnections(server: Server, limits: Limits): void {
  server.maxConnections = limits.max_total;
  if (limits.max_per_client === 0) return;
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "";
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.max_per_client) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
