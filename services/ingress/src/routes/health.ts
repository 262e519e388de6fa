import type { FastifyInstance } from "fastify";

/**
 * The public port's only health route. Readiness (which names internal addresses) and metrics
 * are on the ops port (see ../ops.ts), which is not published.
 */
export function healthRoutes(app: FastifyInstance): void {
  app.get("/healthz", async () => ({ status: "ok" }));
}
