import { GatewayError } from "@switchyard/errors";
import type { FastifyRequest } from "fastify";
import type { MeshClients } from "../mesh/clients.js";
import { apiKeyFrom } from "../pipeline/api-key.js";

export interface Caller {
  keyName: string;
  team: string;
  role: string;
}

/** Who is calling, as policy's authorize answer says; an unknown or missing key is a 401. */
export async function callerOf(mesh: Pick<MeshClients, "policy">, request: FastifyRequest, timeoutMs: number): Promise<Caller> {
  const auth = await mesh.policy
    .authorize({ apiKey: apiKeyFrom(request.headers), model: "", requestId: request.id }, { timeoutMs })
    .catch((error: unknown) => {
      throw new GatewayError("service_unavailable", "The gateway's policy service is unavailable; try again shortly.", {
        retryAfterS: 1,
        cause: error,
      });
    });
  if (!auth.allowed) throw auth.failure ? GatewayError.fromFailure(auth.failure) : new GatewayError("invalid_api_key", "Invalid API key.");
  return { keyName: auth.keyName, team: auth.team, role: auth.role };
}

/**
 * Admin routes' check: the caller's key has the admin role. Kept to this one function so that the
 * admin API's own authorization can replace it.
 */
export async function requireAdmin(mesh: Pick<MeshClients, "policy">, request: FastifyRequest, timeoutMs: number): Promise<Caller> {
  const caller = await callerOf(mesh, request, timeoutMs);
  if (caller.role !== "admin") throw new GatewayError("forbidden", "This endpoint needs a key with the admin role.");
  return caller;
}
