import { GatewayError } from "@switchyard/errors";
import type { AuthorizeResponse } from "@switchyard/proto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { MeshClients } from "../mesh/clients.js";
import { cachedCall } from "../mesh/decision-cache.js";
import { apiKeyFrom } from "./api-key.js";
import { RequestRecord } from "./request-record.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Policy's verdict on the caller's key, when the key was checked before the body. */
    authorization?: AuthorizeResponse;
  }
}

/**
 * A `preValidation` hook for the generation routes: the caller's key is checked before the body
 * is validated, so a caller without a valid key gets a 401 and learns nothing about the schema.
 * It asks policy the question generation would ask (same decision-cache entry, and generation
 * reuses the verdict), so it costs no extra round trip. The model is read from the body when it
 * is a string; otherwise policy only checks the key, and validation then names the bad model.
 *
 * When policy cannot be reached the request goes on: validation may still refuse the body, and
 * generation asks policy again and answers 503 if it is still away.
 */
export function authenticateFirst(mesh: Pick<MeshClients, "policy" | "decisions" | "usage">, controlTimeoutMs: number) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const body = request.body as Record<string, unknown> | undefined;
    const model = typeof body?.model === "string" ? body.model : "";
    const apiKey = apiKeyFrom(request.headers);
    let auth: AuthorizeResponse;
    try {
      auth = await cachedCall(mesh.decisions.auth, `${apiKey}\u0000${model}`, () =>
        mesh.policy.authorize({ apiKey, model, requestId: request.id }, { timeoutMs: controlTimeoutMs }),
      );
    } catch {
      return;
    }
    if (auth.allowed) {
      request.authorization = auth;
      return;
    }
    const error = auth.failure ? GatewayError.fromFailure(auth.failure) : new GatewayError("invalid_api_key", "Invalid API key.");
    // A refused request is recorded like any other (generation would have published it).
    const record = new RequestRecord(request.id, request.routeOptions.url ?? request.url, model, body?.stream === true);
    record.error = error;
    reply.raw.once("close", () => mesh.usage.publish(record.outcome(reply.raw.statusCode), record.toEvent(reply.raw.statusCode)));
    throw error;
  };
}
