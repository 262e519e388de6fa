import { Operation } from "@switchyard/proto";
import type { FastifyInstance } from "fastify";
import { openAIEmbeddingsFormat } from "../formats/openai-chat.js";
import type { MeshClients } from "../mesh/clients.js";
import { authenticateFirst } from "../pipeline/authenticate.js";
import { type GenerationSettings, serveGeneration } from "../pipeline/generation.js";
import { type EmbeddingsRequest, EmbeddingsRequestSchema } from "../schemas/embeddings.js";

export function embeddingsRoute(app: FastifyInstance, mesh: MeshClients, settings: GenerationSettings): void {
  app.post<{ Body: EmbeddingsRequest }>(
    "/v1/embeddings",
    { schema: { body: EmbeddingsRequestSchema }, preValidation: authenticateFirst(mesh, settings.policy.verdicts) },
    (request, reply) =>
      serveGeneration(mesh, settings, request, reply, {
        endpoint: "/v1/embeddings",
        model: request.body.model,
        operation: Operation.EMBEDDINGS,
        stream: false,
        body: request.body,
        ...(request.rawBody ? { bodyBytes: request.rawBody } : {}),
        requiredCapabilities: [],
        format: openAIEmbeddingsFormat,
      }),
  );
}
