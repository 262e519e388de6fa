import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply } from "fastify";
import { callerOf } from "../admin/caller.js";
import type { MeshClients } from "../mesh/clients.js";

/** The dashboard's files (dist/ui, built from src/ui with Chart.js beside them), read once. */
const FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
  "chart.umd.min.js": "text/javascript; charset=utf-8",
};

// Everything the page loads comes from here; the key typed in goes only to this origin's API.
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/**
 * The dashboard at /ui: a static page that signs in with an API key and reads the request log
 * through the API (`/admin/logs` for admin keys, `/v1/logs` for the others). `/ui/session` says
 * whose key it is.
 */
export function uiRoutes(app: FastifyInstance, mesh: Pick<MeshClients, "policy">, controlTimeoutMs: number): void {
  const dir = new URL("../ui/", import.meta.url);
  const files = new Map(Object.entries(FILES).map(([name, type]) => [name, { type, body: readFileSync(new URL(name, dir)) }]));
  const send = (name: string) => {
    const file = files.get(name)!;
    return (_request: unknown, reply: FastifyReply) => reply.headers(SECURITY_HEADERS).type(file.type).send(file.body);
  };
  app.get("/ui", send("index.html"));
  app.get("/ui/", send("index.html"));
  for (const name of files.keys()) if (name !== "index.html") app.get(`/ui/${name}`, send(name));

  app.get("/ui/session", async (request, reply) => {
    const caller = await callerOf(mesh, request, controlTimeoutMs);
    return reply.header("cache-control", "no-store").send({ key_name: caller.keyName, team: caller.team, role: caller.role });
  });
}
