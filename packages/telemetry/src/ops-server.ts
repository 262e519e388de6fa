import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";

export interface OpsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Resolves to a list of problems; empty means ready. */
  readiness: () => Promise<string[]> | string[];
  /** More GET routes (the logger's request log); returns true when it answered. */
  routes?: (request: IncomingMessage, response: ServerResponse, url: URL) => boolean;
  /** More fields for the /readyz body (the ingress lists the providers with live connectors). */
  readinessDetails?: () => Record<string, unknown>;
}

/** /healthz (process alive), /readyz (dependencies reachable) and /metrics for a non-HTTP service. */
export async function startOpsServer(options: OpsServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = req.url?.split("?")[0];
    const send = (status: number, body: string, type = "application/json") => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET") return send(405, JSON.stringify({ error: "method not allowed" }));
    if (path === "/healthz") return send(200, JSON.stringify({ status: "ok" }));
    if (path === "/readyz") {
      Promise.resolve(options.readiness()).then(
        (problems) =>
          send(
            problems.length ? 503 : 200,
            JSON.stringify({ status: problems.length ? "unready" : "ready", problems, ...options.readinessDetails?.() }),
          ),
        (error: unknown) => send(503, JSON.stringify({ status: "unready", problems: [String(error)] })),
      );
      return;
    }
    if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => send(200, text, options.registry.contentType),
        () => send(500, "metrics unavailable\n", "text/plain"),
      );
      return;
    }
    if (options.routes?.(req, res, new URL(req.url ?? "/", "http://ops"))) return;
    send(404, JSON.stringify({ error: "not found" }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : options.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
