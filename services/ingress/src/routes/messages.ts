import { anthropicErrorBody, toHttpError } from "@switchyard/errors";
import type { FastifyInstance } from "fastify";
import { anthropicMessagesFormat } from "../formats/anthropic-messages.js";
import type { MeshClients } from "../mesh/clients.js";
import { authenticateFirst } from "../pipeline/authenticate.js";
import { chatGeneration, type GenerationSettings, serveGeneration } from "../pipeline/generation.js";
import { toGatewayError } from "../plugins/error-handler.js";
import type { ChatCompletionRequest } from "../schemas/chat-completions.js";
import { anthropicToChat, anthropicValidationError, validateAnthropicRequest } from "../translate/index.js";

/** Anthropic Messages API, served by any configured model through the chat shape. */
export function messagesRoute(app: FastifyInstance, mesh: MeshClients, settings: GenerationSettings): void {
  app.post(
    "/v1/messages",
    {
      // Anthropic's SDKs read the request id from `request-id` (as `_request_id`, `requestID`).
      onRequest: (request, reply, done) => {
        reply.header("request-id", request.id);
        done();
      },
      preValidation: authenticateFirst(mesh, settings.policy.verdicts),
      // Anthropic clients expect Anthropic error bodies, parse errors and size limits included.
      errorHandler: (error, request, reply) => {
        const http = toHttpError(toGatewayError(error, request.log));
        void reply.code(http.status).headers(http.headers).send(anthropicErrorBody(http.error));
      },
    },
    async (request, reply) => {
      const validation = validateAnthropicRequest(request.body);
      if (!validation.ok) throw anthropicValidationError(validation.error);
      const chat = anthropicToChat(validation.value) as unknown as ChatCompletionRequest;
      await serveGeneration(
        mesh,
        settings,
        request,
        reply,
        chatGeneration("/v1/messages", chat, anthropicMessagesFormat(validation.value.model)),
      );
    },
  );
}
