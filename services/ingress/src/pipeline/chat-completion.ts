import { GatewayError, openAIErrorBody, toHttpError } from "@switchyard/errors";
import { type Deployment, type GenerateResponse, Operation, type TokenUsage } from "@switchyard/proto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { MeshClients } from "../mesh/clients.js";
import type { ChatCompletionRequest } from "../schemas/chat-completions.js";
import { apiKeyFrom } from "./api-key.js";
import { AttemptsExhausted, attemptsHeader, type OpenedAttempt, openFirstAttempt } from "./attempts.js";
import { cacheDirectiveFrom, cacheKeyOf, cacheTtlFrom } from "./cache-key.js";
import { requiredCapabilities } from "./capabilities.js";
import { formatCost } from "./cost.js";
import { RequestRecord } from "./request-record.js";
import { SseWriter } from "./sse.js";
import { type ChunkView, completionToChunks, StreamAssembler } from "./stream-assembler.js";

export interface ChatSettings {
  cacheEnabled: boolean;
  /** Deadline for each policy, router and cache call. */
  controlTimeoutMs: number;
}

const decoder = new TextDecoder();

/** Serves one POST /v1/chat/completions: authorize, plan and look up concurrently, then answer. */
export async function serveChatCompletion(
  mesh: MeshClients,
  settings: ChatSettings,
  request: FastifyRequest<{ Body: ChatCompletionRequest }>,
  reply: FastifyReply,
): Promise<void> {
  const body = request.body;
  const stream = body.stream === true;
  const record = new RequestRecord(request.id, "/v1/chat/completions", body.model, stream);
  const abort = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) {
      record.cancelled = true;
      abort.abort();
    }
    mesh.usage.publish(record.outcome(reply.raw.statusCode), record.toEvent(reply.raw.statusCode));
  });

  const directive = cacheDirectiveFrom(request.headers["x-switchyard-cache"]);
  const cacheKey = settings.cacheEnabled && directive !== "bypass" ? cacheKeyOf(body as Record<string, unknown>) : undefined;
  record.cache = !settings.cacheEnabled || directive === "bypass" ? "bypass" : directive === "refresh" ? "refresh" : "miss";
  const control = { timeoutMs: settings.controlTimeoutMs };

  try {
    const [auth, plan, hit] = await Promise.all([
      mesh.policy.authorize({ apiKey: apiKeyFrom(request.headers), model: body.model, requestId: request.id }, control).catch(unavailable("policy")),
      mesh.router
        .plan({ model: body.model, requestId: request.id, requiredCapabilities: requiredCapabilities(body) }, control)
        .catch(unavailable("router")),
      cacheKey && directive === "use" ? mesh.cache.lookup({ key: cacheKey, model: body.model }, control).catch(() => undefined) : undefined,
    ]);
    if (!auth.allowed) throw failureOf(auth.failure, "invalid_api_key");
    record.keyName = auth.keyName;
    record.team = auth.team;
    if (plan.failure) throw failureOf(plan.failure, "model_not_found");
    record.strategy = plan.strategy;
    const routeHeader = `${plan.strategy}; ${plan.reason}`;

    if (hit?.hit) {
      record.cache = "hit";
      const completion = JSON.parse(decoder.decode(hit.body)) as Record<string, unknown>;
      record.usage = usageFromJson(completion.usage);
      const headers = {
        "x-request-id": request.id,
        "x-switchyard-cache": "hit",
        "x-switchyard-deployment": hit.deploymentId,
        "x-switchyard-route": routeHeader,
        "x-switchyard-attempts": "",
        "x-switchyard-cost": "0",
      };
      if (!stream) {
        reply.headers(headers).type("application/json").send(Buffer.from(hit.body));
        return;
      }
      reply.hijack();
      const sse = new SseWriter(reply.raw);
      sse.open(headers);
      record.markFirstToken();
      for (const chunk of completionToChunks(completion, body.stream_options?.include_usage === true)) await sse.data(JSON.stringify(chunk));
      sse.end();
      return;
    }

    const opened = await openFirstAttempt(
      plan.attempts,
      {
        requestId: request.id,
        operation: Operation.CHAT,
        stream,
        body: request.rawBody ?? Buffer.from(JSON.stringify(body)),
        deadline: Date.now() + (plan.timeoutMs || 60_000),
        signal: abort.signal,
      },
      mesh.connectors,
      record.attempts,
    );
    record.deployment = opened.deployment;
    const headers = {
      "x-request-id": request.id,
      "x-switchyard-cache": record.cache,
      "x-switchyard-deployment": opened.deployment.id,
      "x-switchyard-route": routeHeader,
      "x-switchyard-attempts": attemptsHeader(record.attempts),
    };
    const store = (completion: Uint8Array) => {
      if (!cacheKey) return;
      mesh.cache
        .store({ key: cacheKey, model: body.model, body: completion, deploymentId: opened.deployment.id, ttlS: cacheTtlFrom(request.headers["x-switchyard-cache-ttl"]) }, control)
        .catch((error: unknown) => request.log.warn({ err: error }, "cache store failed"));
    };

    if (stream) await streamAnswer(opened, record, reply, headers, body, store);
    else await sendAnswer(opened, record, reply, headers, store);
  } catch (error) {
    const failure = error instanceof AttemptsExhausted ? error.error : error;
    if (error instanceof AttemptsExhausted && record.attempts.length > 0) {
      reply.header("x-switchyard-attempts", attemptsHeader(record.attempts));
    }
    record.error = failure instanceof GatewayError ? failure : new GatewayError("internal_error", "The gateway failed to handle the request.");
    if (!(failure instanceof GatewayError)) request.log.error({ err: failure }, "chat completion failed");
    if (reply.sent || reply.raw.headersSent) return;
    const http = toHttpError(record.error);
    reply.code(http.status).headers({ ...http.headers, "x-switchyard-cache": record.cache || "miss" }).send(openAIErrorBody(http.error));
  }
}

async function sendAnswer(
  opened: OpenedAttempt,
  record: RequestRecord,
  reply: FastifyReply,
  headers: Record<string, string>,
  store: (completion: Uint8Array) => void,
): Promise<void> {
  let completion: Uint8Array | undefined;
  for (let event: GenerateResponse | undefined = opened.first; event; event = await nextEvent(opened)) {
    if (event.event.case === "completion") completion = event.event.value;
    else if (event.event.case === "usage") record.usage = event.event.value;
    else if (event.event.case === "failure") throw new AttemptsExhausted(GatewayError.fromFailure(event.event.value));
  }
  if (!completion) throw new GatewayError("upstream_error", `Deployment ${opened.deployment.id} sent no completion.`);
  record.markFirstToken();
  store(completion);
  reply
    .headers({ ...headers, "x-switchyard-cost": formatCost(record.costUsd) })
    .type("application/json")
    .send(Buffer.from(completion.buffer, completion.byteOffset, completion.byteLength));
}

async function streamAnswer(
  opened: OpenedAttempt,
  record: RequestRecord,
  reply: FastifyReply,
  headers: Record<string, string>,
  body: ChatCompletionRequest,
  store: (completion: Uint8Array) => void,
): Promise<void> {
  reply.hijack();
  const sse = new SseWriter(reply.raw);
  sse.open(headers);
  reply.raw.once("close", () => opened.cancel());
  const assembler = new StreamAssembler();
  try {
    for (let event: GenerateResponse | undefined = opened.first; event; event = await nextEvent(opened)) {
      switch (event.event.case) {
        case "chunk": {
          record.markFirstToken();
          const view = JSON.parse(decoder.decode(event.event.value)) as ChunkView;
          assembler.add(view);
          await sse.data(event.event.value);
          break;
        }
        case "usage":
          record.usage = event.event.value;
          break;
        case "failure":
          throw GatewayError.fromFailure(event.event.value);
      }
      if (sse.closed) return;
    }
  } catch (error) {
    if (sse.closed) return;
    record.error = error instanceof GatewayError ? error : new GatewayError("upstream_error", "The upstream stream broke off.");
    await sse.data(JSON.stringify(openAIErrorBody(record.error)));
    sse.end(false);
    return;
  }
  // The connector forwards the usage chunk itself when the client asked for it.
  sse.end();
  const completion = assembler.completion(usageJson(record.usage));
  if (completion) store(Buffer.from(JSON.stringify(completion)));
}

async function nextEvent(opened: OpenedAttempt): Promise<GenerateResponse | undefined> {
  const next = await opened.rest.next();
  return next.done ? undefined : next.value;
}

function usageJson(usage: TokenUsage | undefined) {
  const prompt = usage?.promptTokens ?? 0;
  const completion = usage?.completionTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage?.totalTokens || prompt + completion };
}

function usageFromJson(value: unknown): TokenUsage | undefined {
  const u = value as { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | undefined;
  if (!u) return undefined;
  return {
    $typeName: "switchyard.v1.TokenUsage",
    promptTokens: u.prompt_tokens ?? 0,
    completionTokens: u.completion_tokens ?? 0,
    totalTokens: u.total_tokens ?? 0,
  };
}

function failureOf(failure: Parameters<typeof GatewayError.fromFailure>[0] | undefined, fallback: "invalid_api_key" | "model_not_found"): GatewayError {
  return failure ? GatewayError.fromFailure(failure) : new GatewayError(fallback, "Request refused.");
}

function unavailable(service: string) {
  return (error: unknown): never => {
    throw new GatewayError("service_unavailable", `The gateway's ${service} service is unavailable; try again shortly.`, { retryAfterS: 1, cause: error });
  };
}

export type { Deployment };
