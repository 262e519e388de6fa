import type { Registry } from "@switchyard/telemetry";
import type { FastifyInstance } from "fastify";
import type { MeshClients } from "../mesh/clients.js";

export function healthRoutes(app: FastifyInstance, mesh: Pick<MeshClients, "readiness" | "connectors">, registry: Registry): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const problems = mesh.readiness();
    return reply
      .code(problems.length ? 503 : 200)
      .send({ status: problems.length ? "unready" : "ready", problems, connectors: mesh.connectors.providers() });
  });
  app.get("/metrics", async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}
