import { GatewayError, openAIErrorBody, toHttpError } from "@switchyard/errors";
import type { FastifyInstance, FastifyReply } from "fastify";
import { callerOf, requireAdmin } from "../admin/caller.js";
import type { MeshClients } from "../mesh/clients.js";
import type { LogReader } from "../mesh/log-reader.js";

const FILTERS = ["key", "team", "model", "deployment", "outcome", "from", "to", "cursor", "limit", "bucket", "group_by"] as const;

// The logger refuses unknown parameters and bad values with a 400 naming them; this only keeps each one a single short string.
const querySchema = {
  type: "object",
  properties: Object.fromEntries(FILTERS.map((name) => [name, { type: "string", maxLength: 256 }])),
} as const;
const idSchema = { type: "object", properties: { id: { type: "string", minLength: 1, maxLength: 256 } }, required: ["id"] } as const;

type Query = Partial<Record<(typeof FILTERS)[number], string>>;

/**
 * The request log. `/admin/logs` (admin keys) sees every request; `/v1/logs` shows a key only its
 * own requests (the `key` filter is the caller's name, whatever the query says). `…/logs/stats`
 * sums them per time bucket and group, for the dashboard.
 */
export function logsRoutes(app: FastifyInstance, mesh: Pick<MeshClients, "policy" | "logs">, controlTimeoutMs: number): void {
  const reader = (): LogReader => {
    if (!mesh.logs) throw new GatewayError("service_unavailable", "The request log is not configured on this gateway.");
    return mesh.logs;
  };
  const paramsOf = (url: string, ownKey?: string) => {
    const query = url.indexOf("?");
    const params = new URLSearchParams(query < 0 ? "" : url.slice(query + 1));
    if (ownKey !== undefined) params.set("key", ownKey);
    return params;
  };

  app.get<{ Querystring: Query }>("/admin/logs", { schema: { querystring: querySchema } }, async (request, reply) => {
    await requireAdmin(mesh, request, controlTimeoutMs);
    return pass(reply, await reader().list(paramsOf(request.url)));
  });

  app.get<{ Querystring: Query }>("/admin/logs/stats", { schema: { querystring: querySchema } }, async (request, reply) => {
    await requireAdmin(mesh, request, controlTimeoutMs);
    return pass(reply, await reader().stats(paramsOf(request.url)));
  });

  app.get<{ Querystring: Query }>("/v1/logs/stats", { schema: { querystring: querySchema } }, async (request, reply) => {
    const caller = await callerOf(mesh, request, controlTimeoutMs);
    return pass(reply, await reader().stats(paramsOf(request.url, caller.keyName)));
  });

  app.get<{ Params: { id: string } }>("/admin/logs/:id", { schema: { params: idSchema } }, async (request, reply) => {
    await requireAdmin(mesh, request, controlTimeoutMs);
    return pass(reply, await reader().get(request.params.id));
  });

  app.get<{ Querystring: Query }>("/v1/logs", { schema: { querystring: querySchema } }, async (request, reply) => {
    const caller = await callerOf(mesh, request, controlTimeoutMs);
    return pass(reply, await reader().list(paramsOf(request.url, caller.keyName)));
  });

  app.get<{ Params: { id: string } }>("/v1/logs/:id", { schema: { params: idSchema } }, async (request, reply) => {
    const caller = await callerOf(mesh, request, controlTimeoutMs);
    const answer = await reader().get(request.params.id);
    // Another key's request is as absent as one never made.
    if (answer.status === 200 && (answer.body as { key_name?: string }).key_name !== caller.keyName) {
      return sendError(reply, new GatewayError("not_found", `No request with id '${request.params.id}' in the log.`));
    }
    return pass(reply, answer);
  });
}

function pass(reply: FastifyReply, answer: { status: number; body: unknown }) {
  return reply.code(answer.status).header("cache-control", "no-store").send(answer.body);
}

function sendError(reply: FastifyReply, error: GatewayError) {
  const http = toHttpError(error);
  return reply.code(http.status).headers(http.headers).send(openAIErrorBody(http.error));
}
