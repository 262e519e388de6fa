import { GatewayError } from "@switchyard/errors";
import { compilePattern } from "@switchyard/guardrails";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { MeshClients } from "../mesh/clients.js";
import { apiKeyFrom } from "../pipeline/api-key.js";
import type { Verdicts } from "../policy/verdicts.js";
import {
  IdParams,
  KeyCreateBody,
  KeyList,
  KeyUpdateBody,
  KeyView,
  KeyWithSecret,
  OwnSpend,
  SpendQuery,
  SpendReport,
  TeamCreateBody,
  TeamList,
  TeamUpdateBody,
  TeamView,
} from "../schemas/admin.js";
import { OpenAIErrorSchema } from "../schemas/openai-error.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The caller's key name, once policy has accepted its key (admin routes and `/v1/spend`). */
    callerKeyName: string;
  }
}

const errors = { 400: OpenAIErrorSchema, 401: OpenAIErrorSchema, 403: OpenAIErrorSchema, 404: OpenAIErrorSchema, 409: OpenAIErrorSchema };

/**
 * The admin API (keys, teams, spend) for keys with the admin role, and `/v1/spend` for any key's
 * own spend. Every `/admin/*` path, whoever serves it, needs an admin key: a hook on the whole app.
 */
export function adminRoutes(app: FastifyInstance, mesh: Pick<MeshClients, "policy">, verdicts: Verdicts, controlTimeoutMs: number): void {
  app.decorateRequest("callerKeyName", "");
  const authenticate = async (request: FastifyRequest, role: "admin" | "any") => {
    const auth = await verdicts.authorize(apiKeyFrom(request.headers), "", request.id);
    if (!auth.allowed)
      throw auth.failure ? GatewayError.fromFailure(auth.failure) : new GatewayError("invalid_api_key", "Invalid API key.");
    if (role === "admin" && auth.role !== "admin") throw new GatewayError("forbidden", "The admin API needs a key with the admin role.");
    request.callerKeyName = auth.keyName;
  };
  app.addHook("onRequest", async (request) => {
    const path = request.url.split("?", 1)[0]!;
    if (path === "/admin" || path.startsWith("/admin/")) await authenticate(request, "admin");
  });

  const call = async (request: FastifyRequest, reply: FastifyReply, operation: string, id = "", body?: unknown) => {
    const answer = await mesh.policy.admin(
      {
        operation,
        id,
        bodyJson: body === undefined ? "" : JSON.stringify(body),
        callerKeyName: request.callerKeyName,
        requestId: request.id,
      },
      { timeoutMs: controlTimeoutMs },
    );
    if (answer.failure) throw GatewayError.fromFailure(answer.failure);
    // Parsed, so the route's response schema decides what leaves (never a field it does not name).
    return reply.code(answer.status || 200).send(JSON.parse(answer.bodyJson) as unknown);
  };

  app.post("/admin/keys", { schema: { body: KeyCreateBody, response: { 201: KeyWithSecret, ...errors } } }, (request, reply) =>
    call(request, reply, "keys.create", "", checkPatterns(request.body)),
  );
  app.get("/admin/keys", { schema: { response: { 200: KeyList, ...errors } } }, (request, reply) => call(request, reply, "keys.list"));
  app.get<{ Params: { id: string } }>(
    "/admin/keys/:id",
    { schema: { params: IdParams, response: { 200: KeyView, ...errors } } },
    (request, reply) => call(request, reply, "keys.get", request.params.id),
  );
  app.patch<{ Params: { id: string } }>(
    "/admin/keys/:id",
    { schema: { params: IdParams, body: KeyUpdateBody, response: { 200: KeyView, ...errors } } },
    (request, reply) => call(request, reply, "keys.update", request.params.id, checkPatterns(request.body)),
  );
  app.delete<{ Params: { id: string } }>(
    "/admin/keys/:id",
    { schema: { params: IdParams, response: { 200: KeyView, ...errors } } },
    (request, reply) => call(request, reply, "keys.revoke", request.params.id),
  );
  app.post<{ Params: { id: string } }>(
    "/admin/keys/:id/rotate",
    { schema: { params: IdParams, response: { 200: KeyWithSecret, ...errors } } },
    (request, reply) => call(request, reply, "keys.rotate", request.params.id),
  );

  app.post("/admin/teams", { schema: { body: TeamCreateBody, response: { 201: TeamView, ...errors } } }, (request, reply) =>
    call(request, reply, "teams.create", "", checkPatterns(request.body)),
  );
  app.get("/admin/teams", { schema: { response: { 200: TeamList, ...errors } } }, (request, reply) => call(request, reply, "teams.list"));
  app.get<{ Params: { id: string } }>(
    "/admin/teams/:id",
    { schema: { params: IdParams, response: { 200: TeamView, ...errors } } },
    (request, reply) => call(request, reply, "teams.get", request.params.id),
  );
  app.patch<{ Params: { id: string } }>(
    "/admin/teams/:id",
    { schema: { params: IdParams, body: TeamUpdateBody, response: { 200: TeamView, ...errors } } },
    (request, reply) => call(request, reply, "teams.update", request.params.id, checkPatterns(request.body)),
  );
  app.delete<{ Params: { id: string } }>(
    "/admin/teams/:id",
    { schema: { params: IdParams, response: { 200: TeamView, ...errors } } },
    (request, reply) => call(request, reply, "teams.delete", request.params.id),
  );

  app.get("/admin/spend", { schema: { querystring: SpendQuery, response: { 200: SpendReport, ...errors } } }, (request, reply) =>
    call(request, reply, "spend.query", "", request.query),
  );
  app.get("/v1/spend", { schema: { response: { 200: OwnSpend, ...errors } } }, async (request, reply) => {
    await authenticate(request, "any");
    return call(request, reply, "spend.own");
  });
}

/** A deny or allow pattern that does not compile is the client's mistake, named like any other field. */
function checkPatterns(body: unknown): unknown {
  const guardrails = (body as { guardrails?: { deny?: string[]; allow?: string[] } | null }).guardrails;
  for (const list of ["deny", "allow"] as const) {
    (guardrails?.[list] ?? []).forEach((source, i) => {
      try {
        compilePattern(source);
      } catch (error) {
        throw new GatewayError("invalid_request", `Invalid value for 'guardrails.${list}[${i}]': ${(error as Error).message}.`, {
          param: `guardrails.${list}[${i}]`,
        });
      }
    });
  }
  return body;
}
