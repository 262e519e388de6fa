import type { Registry } from "@switchyard/telemetry";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { MeshClients } from "../mesh/clients.js";
import { apiKeyFrom } from "../pipeline/api-key.js";
import type { Verdicts } from "../policy/verdicts.js";

/**
 * `/healthz` is open; `/readyz` tells anyone ready or not, and its details (which dependency is
 * away, which connectors answer) only to admin keys, like `/metrics`.
 */
export function healthRoutes(
  app: FastifyInstance,
  mesh: Pick<MeshClients, "readiness" | "connectors">,
  registry: Registry,
  verdicts: Verdicts,
): void {
  const isAdmin = async (request: FastifyRequest) => {
    const apiKey = apiKeyFrom(request.headers);
    if (!apiKey) return false;
    const auth = await verdicts.authorize(apiKey, "", request.id).catch(() => undefined);
    return auth?.allowed === true && auth.role === "admin";
  };
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (request, reply) => {
    const problems = mesh.readiness();
    const status = problems.length ? "unready" : "ready";
    const details = (await isAdmin(request)) ? { problems, connectors: mesh.connectors.providers() } : {};
    return reply.code(problems.length ? 503 : 200).send({ status, ...details });
  });
  app.get("/metrics", async (request, reply) => {
    if (!(await isAdmin(request))) {
      return reply
        .code(403)
        .send({
          error: {
            message: "Metrics are served to admin keys (and on each service's ops port).",
            type: "permission_error",
            param: null,
            code: "forbidden",
          },
        });
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
