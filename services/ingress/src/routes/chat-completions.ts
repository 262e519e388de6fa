import type { FastifyInstance } from "fastify";
import type { MeshClients } from "../mesh/clients.js";
import { type ChatSettings, serveChatCompletion } from "../pipeline/chat-completion.js";
import { type ChatCompletionRequest, ChatCompletionRequestSchema } from "../schemas/chat-completions.js";

export function chatCompletionsRoute(app: FastifyInstance, mesh: MeshClients, settings: ChatSettings): void {
  app.post<{ Body: ChatCompletionRequest }>(
    "/v1/chat/completions",
    { schema: { body: ChatCompletionRequestSchema } },
    (request, reply) => serveChatCompletion(mesh, settings, request, reply),
  );
}
