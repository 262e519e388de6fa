import { GatewayError, openAIErrorBody, toHttpError } from "@switchyard/errors";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { MeshClients } from "../mesh/clients.js";
import { apiKeyFrom } from "../pipeline/api-key.js";

/** Fixed creation time for configured models; OpenAI's shape requires one. */
const CREATED = 1_700_000_000;

export function modelsRoutes(app: FastifyInstance, mesh: MeshClients, controlTimeoutMs: number): void {
  const visibleModels = async (request: FastifyRequest) => {
    const control = { timeoutMs: controlTimeoutMs };
    const [auth, list] = await Promise.all([
      mesh.policy.authorize({ apiKey: apiKeyFrom(request.headers), model: "", requestId: request.id }, control),
      // The config's list while the router is away.
      mesh.router.listModels({}, control).catch((error: unknown) => mesh.planFallback?.listModels() ?? Promise.reject(error)),
    ]);
    if (!auth.allowed)
      throw auth.failure ? GatewayError.fromFailure(auth.failure) : new GatewayError("invalid_api_key", "Invalid API key.");
    return list.models
      .filter((m) => auth.allowedModels.length === 0 || auth.allowedModels.includes(m.id))
      .map((m) => ({
        id: m.id,
        object: "model",
        created: CREATED,
        owned_by: "switchyard",
        switchyard: { strategy: m.strategy, providers: m.providers, operations: m.operations },
      }));
  };

  app.get("/v1/models", async (request, reply) => {
    try {
      const data = await visibleModels(request);
      return reply.header("x-request-id", request.id).send({ object: "list", data });
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.get<{ Params: { id: string } }>("/v1/models/*", async (request, reply) => {
    try {
      const id = (request.params as Record<string, string>)["*"] ?? "";
      const model = (await visibleModels(request)).find((m) => m.id === id);
      if (!model)
        throw new GatewayError("model_not_found", `The model \`${id}\` does not exist or you do not have access to it.`, {
          param: "model",
        });
      return reply.header("x-request-id", request.id).send(model);
    } catch (error) {
      return sendError(reply, error);
    }
  });
}

function sendError(reply: FastifyReply, error: unknown) {
  const known =
    error instanceof GatewayError
      ? error
      : new GatewayError("service_unavailable", "The gateway's control services are unavailable; try again shortly.", { retryAfterS: 1 });
  const http = toHttpError(known);
  return reply.code(http.status).headers(http.headers).send(openAIErrorBody(http.error));
}
