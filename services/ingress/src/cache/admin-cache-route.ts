import { Type as T } from "@sinclair/typebox";
import { GatewayError, openAIErrorBody, toHttpError } from "@switchyard/errors";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { MeshClients } from "../mesh/clients.js";
import { apiKeyFrom } from "../pipeline/api-key.js";

const PurgeQuerySchema = T.Object(
  {
    model: T.Optional(T.String({ minLength: 1, maxLength: 128 })),
    namespace: T.Optional(T.String({ pattern: "^(global|team:.+|key:.+)$", maxLength: 256 })),
  },
  { additionalProperties: false },
);

interface PurgeQuery {
  model?: string;
  namespace?: string;
}

/**
 * `DELETE /admin/cache?model=&namespace=`: drops cached answers (exact and semantic) of one
 * model and namespace (`global`, `team:<team>`, `key:<key name>`); either left out means all.
 */
export function adminCacheRoutes(app: FastifyInstance, mesh: Pick<MeshClients, "policy" | "cacheService">, controlTimeoutMs: number): void {
  app.delete<{ Querystring: PurgeQuery }>("/admin/cache", { schema: { querystring: PurgeQuerySchema } }, async (request, reply) => {
    try {
      await requireAdmin(mesh, apiKeyFrom(request.headers), request.id, controlTimeoutMs);
      if (!mesh.cacheService) throw new GatewayError("service_unavailable", "The cache service is not configured.");
      const { model = "", namespace = "" } = request.query;
      const purged = await mesh.cacheService.purge({ model, namespace }, { timeoutMs: 30_000 }).catch((error: unknown) => {
        throw new GatewayError("service_unavailable", "The gateway's cache service is unavailable; try again shortly.", {
          retryAfterS: 1,
          cause: error,
        });
      });
      return reply.send({
        object: "cache.purge",
        model: model || null,
        namespace: namespace || null,
        deleted: { exact: purged.exactDeleted, semantic: purged.semanticDeleted },
      });
    } catch (error) {
      return sendError(reply, error);
    }
  });
}

/**
 * Admin keys only. A stand-in until the admin API has its own authentication: it reads the role
 * from the answer policy gives every request.
 */
async function requireAdmin(mesh: Pick<MeshClients, "policy">, apiKey: string, requestId: string, timeoutMs: number): Promise<void> {
  const auth = await mesh.policy.authorize({ apiKey, model: "", requestId }, { timeoutMs }).catch((error: unknown) => {
    throw new GatewayError("service_unavailable", "The gateway's policy service is unavailable; try again shortly.", {
      retryAfterS: 1,
      cause: error,
    });
  });
  if (!auth.allowed) throw auth.failure ? GatewayError.fromFailure(auth.failure) : new GatewayError("invalid_api_key", "Invalid API key.");
  if (auth.role !== "admin") throw new GatewayError("forbidden", "This endpoint needs an admin key.");
}

function sendError(reply: FastifyReply, error: unknown) {
  const known = error instanceof GatewayError ? error : new GatewayError("internal_error", "The gateway failed to handle the request.");
  const http = toHttpError(known);
  return reply.code(http.status).headers(http.headers).send(openAIErrorBody(http.error));
}
