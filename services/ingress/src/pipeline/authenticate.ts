import { GatewayError } from "@switchyard/errors";
import type { AuthorizeResponse } from "@switchyard/proto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { MeshClients } from "../mesh/clients.js";
import type { Verdicts } from "../policy/verdicts.js";
import { apiKeyFrom } from "./api-key.js";
import { eventIdOf } from "./request-id.js";
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
 * It asks policy the question generation would ask (same decision-cache entry), so it costs no
 * extra round trip. The model is read from the body when it
 * is a string; otherwise policy only checks the key, and validation then names the bad model.
 *
 * No key at all is refused without asking anyone; when policy cannot be reached the answer is 503,
 * never a validation error (an unauthenticated caller must not learn the schema).
 */
export function authenticateFirst(mesh: Pick<MeshClients, "usage">, verdicts: Pick<Verdicts, "authorize">) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const body = request.body as Record<string, unknown> | undefined;
    const model = typeof body?.model === "string" ? body.model : "";
    const apiKey = apiKeyFrom(request.headers);
    let error: GatewayError;
    if (!apiKey) {
      error = new GatewayError("missing_api_key", "Missing API key. Send it as `Authorization: Bearer <key>`.");
    } else {
      try {
        // The decision cache, and while policy is away the last verdicts of known keys.
        const auth = await verdicts.authorize(apiKey, model, request.id);
        if (auth.allowed) {
          request.authorization = auth;
          return;
        }
        error = auth.failure ? GatewayError.fromFailure(auth.failure) : new GatewayError("invalid_api_key", "Invalid API key.");
      } catch (cause) {
        error =
          cause instanceof GatewayError
            ? cause
            : new GatewayError("service_unavailable", "The gateway's policy service is unavailable; try again shortly.", {
                retryAfterS: 1,
                cause,
              });
      }
    }
    // A refused request is recorded like any other (generation would have published it).
    const record = new RequestRecord(
      request.id,
      eventIdOf(request.id, request.headers["x-request-id"]),
      request.routeOptions.url ?? request.url,
      model,
      body?.stream === true,
    );
    record.error = error;
    reply.raw.once("close", () => mesh.usage.publish(record.outcome(reply.raw.statusCode), record.toEvent(reply.raw.statusCode)));
    throw error;
  };
}
