import type { FastifyInstance } from "fastify";
import { openAIChatFormat } from "../formats/openai-chat.js";
import type { MeshClients } from "../mesh/clients.js";
import { authenticateFirst } from "../pipeline/authenticate.js";
import { chatGeneration, type GenerationSettings, serveGeneration } from "../pipeline/generation.js";
import { type ChatCompletionRequest, ChatCompletionRequestSchema } from "../schemas/chat-completions.js";

export function chatCompletionsRoute(app: FastifyInstance, mesh: MeshClients, settings: GenerationSettings): void {
  app.post<{ Body: ChatCompletionRequest }>(
    "/v1/chat/completions",
    { schema: { body: ChatCompletionRequestSchema }, preValidation: authenticateFirst(mesh, settings.policy.verdicts) },
    (request, reply) =>
      // The client's bytes already are the chat shape: they go to the connector without another JSON pass.
      serveGeneration(
        mesh,
        settings,
        request,
        reply,
        chatGeneration("/v1/chat/completions", request.body, openAIChatFormat, request.rawBody),
      ),
  );
}
