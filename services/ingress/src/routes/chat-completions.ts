import { Operation } from "@switchyard/proto";
import type { FastifyInstance } from "fastify";
import { openAIChatFormat } from "../formats/openai-chat.js";
import type { MeshClients } from "../mesh/clients.js";
import { requiredCapabilities } from "../pipeline/capabilities.js";
import { type GenerationSettings, serveGeneration } from "../pipeline/generation.js";
import { type ChatCompletionRequest, ChatCompletionRequestSchema } from "../schemas/chat-completions.js";

export function chatCompletionsRoute(app: FastifyInstance, mesh: MeshClients, settings: GenerationSettings): void {
  app.post<{ Body: ChatCompletionRequest }>("/v1/chat/completions", { schema: { body: ChatCompletionRequestSchema } }, (request, reply) =>
    serveGeneration(mesh, settings, request, reply, {
      endpoint: "/v1/chat/completions",
      model: request.body.model,
      operation: Operation.CHAT,
      stream: request.body.stream === true,
      body: request.body,
      ...(request.rawBody ? { bodyBytes: request.rawBody } : {}),
      requiredCapabilities: requiredCapabilities(request.body),
      format: openAIChatFormat,
    }),
  );
}
