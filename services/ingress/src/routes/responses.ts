import type { FastifyInstance } from "fastify";
import { openAIResponsesFormat } from "../formats/openai-responses.js";
import type { MeshClients } from "../mesh/clients.js";
import { authenticateFirst } from "../pipeline/authenticate.js";
import { chatGeneration, type GenerationSettings, serveGeneration } from "../pipeline/generation.js";
import type { ChatCompletionRequest } from "../schemas/chat-completions.js";
import { responsesToChat, responsesValidationError, validateResponsesRequest } from "../translate/index.js";

/** OpenAI Responses API (stateless subset), served by any configured model through the chat shape. */
export function responsesRoute(app: FastifyInstance, mesh: MeshClients, settings: GenerationSettings): void {
  app.post("/v1/responses", { preValidation: authenticateFirst(mesh, settings.policy.verdicts) }, async (request, reply) => {
    const validation = validateResponsesRequest(request.body);
    if (!validation.ok) throw responsesValidationError(validation.error);
    const chat = responsesToChat(validation.value) as unknown as ChatCompletionRequest;
    await serveGeneration(mesh, settings, request, reply, chatGeneration("/v1/responses", chat, openAIResponsesFormat(validation.value)));
  });
}
