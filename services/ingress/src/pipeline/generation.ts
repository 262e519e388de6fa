import { GatewayError, toHttpError } from "@switchyard/errors";
import { Cancellation } from "@switchyard/grpc";
import { type GenerateResponse, Operation, type TokenUsage } from "@switchyard/proto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { MeshClients } from "../mesh/clients.js";
import type { ChatCompletionRequest } from "../schemas/chat-completions.js";
import { type AnswerFormat, StreamChunk, type StreamFormatter, type UsageJson } from "./answer-format.js";
import { requiredCapabilities } from "./capabilities.js";
import { cachedCall } from "../mesh/decision-cache.js";
import { noteOutputHits, type OutputFilter } from "../policy/output-filter.js";
import type { RequestPolicy } from "../policy/request-policy.js";
import { AttemptsExhausted, attemptsHeader, type OpenedAttempt, openFirstAttempt } from "./attempts.js";
import { cacheDirectiveFrom, cacheKeyOf, cacheTtlFrom } from "./cache-key.js";
import { formatCost } from "./cost.js";
import { eventIdOf } from "./request-id.js";
import { RequestRecord } from "./request-record.js";
import { SseWriter } from "./sse.js";
import { type ChunkView, completionToChunks, StreamAssembler } from "./stream-assembler.js";

export interface GenerationSettings {
  cacheEnabled: boolean;
  /** Deadline for each policy, router and cache call. */
  controlTimeoutMs: number;
  /** An SSE comment goes out after this long without data, so idle-timeout proxies keep the stream. */
  heartbeatMs: number;
  /** Keys, guardrails, limits and budgets. */
  policy: RequestPolicy;
}

/** One request to the mesh, already translated to the OpenAI shape. */
export interface Generation {
  endpoint: string;
  model: string;
  operation: Operation;
  stream: boolean;
  /** The OpenAI-shaped request: cache key and, when `bodyBytes` is absent, what the connector gets. */
  body: Record<string, unknown>;
  /** The client's own bytes when they already are the OpenAI shape (no second JSON pass). */
  bodyBytes?: Uint8Array;
  requiredCapabilities: string[];
  format: AnswerFormat;
}

const decoder = new TextDecoder();

/**
 * A chat generation from a request already in (or translated to) the chat shape: every chat
 * endpoint differs only in its path, its answer format and whether the client's bytes can go on as they are.
 */
export function chatGeneration(
  endpoint: string,
  body: ChatCompletionRequest,
  format: AnswerFormat,
  bodyBytes?: Uint8Array,
): Generation {
  return {
    endpoint,
    model: body.model,
    operation: Operation.CHAT,
    stream: body.stream === true,
    body,
    ...(bodyBytes ? { bodyBytes } : {}),
    requiredCapabilities: requiredCapabilities(body),
    format,
  };
}

/**
 * Serves one generation: authorize, plan and look up the cache concurrently, then answer from
 * the cache or drive the attempts, streaming in the client's format. Publishes the usage event
 * when the response is over, whatever happened.
 */
export async function serveGeneration(
  mesh: MeshClients,
  settings: GenerationSettings,
  request: FastifyRequest,
  reply: FastifyReply,
  generation: Generation,
): Promise<void> {
  const { stream, model, format } = generation;
  const record = new RequestRecord(request.id, eventIdOf(request.id, request.headers["x-request-id"]), generation.endpoint, model, stream);
  const clientGone = new Cancellation();
  reply.raw.once("close", () => {
    if (!reply.raw.writableEnded) {
      record.cancelled = true;
      clientGone.cancel();
    }
    mesh.usage.publish(record.outcome(reply.raw.statusCode), record.toEvent(reply.raw.statusCode));
  });

  const directive = cacheDirectiveFrom(request.headers["x-switchyard-cache"]);
  let cacheKey: string | undefined;
  record.cache = !settings.cacheEnabled || directive === "bypass" ? "bypass" : directive === "refresh" ? "refresh" : "miss";
  const control = { timeoutMs: settings.controlTimeoutMs };
  let sse: SseWriter | undefined;
  let output: OutputFilter | undefined;

  try {
    const operation = operationName(generation.operation);
    const planned = cachedCall(mesh.decisions.plans, `${model}\u0000${operation}\u0000${generation.requiredCapabilities.join(",")}`, () =>
      mesh.router.plan({ model, requestId: request.id, requiredCapabilities: generation.requiredCapabilities, operation }, control),
    ).catch(unavailable("router"));
    planned.catch(() => {}); // awaited below, after policy has had its say
    // Input guardrails may change the prompt: the cache key is computed from what goes upstream.
    const entered = await settings.policy.enter(request, reply, generation, record);
    output = entered.output;
    if (settings.cacheEnabled && directive !== "bypass") cacheKey = `${generation.endpoint === "/v1/embeddings" ? "e:" : ""}${cacheKeyOf(generation.body)}`;
    const [plan, hit] = await Promise.all([
      planned,
      // Redis away or slow is a miss, never an error for the client.
      cacheKey && directive === "use" ? mesh.cache.lookup(model, cacheKey).catch(() => undefined) : undefined,
      entered.admitted,
    ]);
    if (plan.failure) throw GatewayError.fromFailure(plan.failure);
    record.strategy = plan.strategy;
    const headers: Record<string, string> = {
      // Headers set by hooks (route-specific ones included) must survive a hijacked stream; a
      // plain reply keeps them by itself.
      ...(stream ? headersOf(reply) : undefined),
      "x-request-id": request.id,
      "x-switchyard-cache": record.cache,
      "x-switchyard-route": `${plan.strategy}; ${plan.reason}`,
    };

    if (hit) {
      record.cache = "hit";
      Object.assign(headers, { "x-switchyard-cache": "hit", "x-switchyard-deployment": hit.deploymentId, "x-switchyard-attempts": "", "x-switchyard-cost": "0" });
      const body = output ? output.complete(hit.body) : hit.body;
      const hits = noteOutputHits(record, output);
      if (hits) headers["x-switchyard-guardrails"] = hits;
      const completion = JSON.parse(decoder.decode(body)) as Record<string, unknown>;
      record.usage = usageFromJson(completion.usage);
      record.markFirstToken();
      if (!stream) {
        reply.headers(headers).type("application/json").send(asBody(format.complete(body)));
        return;
      }
      reply.hijack();
      sse = new SseWriter(reply.raw, settings.heartbeatMs);
      sse.open(headers);
      const formatter = format.stream();
      await sse.frames(formatter.start());
      for (const chunk of completionToChunks(completion, includeUsage(generation.body))) {
        await sse.frames(formatter.chunk(new StreamChunk(Buffer.from(JSON.stringify(chunk)), chunk as ChunkView)));
      }
      await sse.frames(formatter.finish(usageJson(record.usage)));
      sse.end();
      return;
    }

    if (stream) {
      // Until the first token, failover is still possible: only heartbeats may go out, and only
      // when the wait is long enough that an idle-timeout proxy might cut the stream.
      reply.hijack();
      sse = new SseWriter(reply.raw, settings.heartbeatMs);
      sse.openLazily(headers);
    }
    const opened = await openFirstAttempt(
      plan.attempts,
      {
        requestId: request.id,
        operation: generation.operation,
        stream,
        body: generation.bodyBytes ?? Buffer.from(JSON.stringify(generation.body)),
        deadline: Date.now() + (plan.timeoutMs || 60_000),
        cancellation: clientGone,
      },
      mesh.connectors,
      record.attempts,
    );
    record.deployment = opened.deployment;
    Object.assign(headers, { "x-switchyard-deployment": opened.deployment.id, "x-switchyard-attempts": attemptsHeader(record.attempts) });
    const key = cacheKey;
    const store = key
      ? (completion: Uint8Array) => {
          // An answer a guardrail changed is not kept: another key's rules may differ.
          if (output?.changed) return;
          mesh.cache.storeSoon(model, key, completion, opened.deployment.id, cacheTtlFrom(request.headers["x-switchyard-cache-ttl"]), { replace: directive === "refresh" });
        }
      : undefined;

    if (sse) await streamAnswer(opened, record, sse, headers, format.stream(), store, output);
    else await sendAnswer(opened, record, reply, headers, format, store, output);
  } catch (error) {
    const failure = error instanceof AttemptsExhausted ? error.error : error;
    record.error = failure instanceof GatewayError ? failure : new GatewayError("internal_error", "The gateway failed to handle the request.");
    if (!(failure instanceof GatewayError)) request.log.error({ err: failure }, "generation failed");
    const http = toHttpError(record.error);
    const headers: Record<string, string> = { ...headersOf(reply), ...http.headers, "x-request-id": request.id, "x-switchyard-cache": record.cache || "miss" };
    if (record.attempts.length > 0) headers["x-switchyard-attempts"] = attemptsHeader(record.attempts);
    if (sse) {
      if (!sse.opened) {
        sse.reject(http.status, headers, JSON.stringify(format.errorBody(http.error)));
        return;
      }
      await sse.frames(format.stream().fail(record.error));
      sse.end();
      return;
    }
    if (reply.sent) return;
    reply.code(http.status).headers(headers).send(format.errorBody(http.error));
  }
}

async function sendAnswer(
  opened: OpenedAttempt,
  record: RequestRecord,
  reply: FastifyReply,
  headers: Record<string, string>,
  format: AnswerFormat,
  store: ((completion: Uint8Array) => void) | undefined,
  output: OutputFilter | undefined,
): Promise<void> {
  let completion: Uint8Array | undefined;
  for (let event: GenerateResponse | undefined = opened.first; event; event = await nextEvent(opened)) {
    if (event.event.case === "completion") completion = event.event.value;
    else if (event.event.case === "usage") record.usage = event.event.value;
    else if (event.event.case === "failure") throw GatewayError.fromFailure(event.event.value);
  }
  if (!completion) throw new GatewayError("upstream_error", `Deployment ${opened.deployment.id} sent no completion.`);
  if (output) {
    completion = output.complete(completion);
    const hits = noteOutputHits(record, output);
    if (hits) headers["x-switchyard-guardrails"] = hits;
  }
  record.markFirstToken();
  reply
    .headers(Object.assign(headers, { "x-switchyard-cost": formatCost(record.costUsd) }))
    .type("application/json")
    .send(asBody(format.complete(completion)));
  // Stored once the answer is written, so the client does not wait for the bookkeeping.
  store?.(completion);
}

async function streamAnswer(
  opened: OpenedAttempt,
  record: RequestRecord,
  sse: SseWriter,
  headers: Record<string, string>,
  formatter: StreamFormatter,
  /** Absent when the answer is not cached: then nothing needs the chunks assembled. */
  store: ((completion: Uint8Array) => void) | undefined,
  output?: OutputFilter,
): Promise<void> {
  sse.open(headers);
  sse.onClose(() => opened.cancel());
  await sse.frames(formatter.start());
  const assembler = store ? new StreamAssembler() : undefined;
  try {
    for (let event: GenerateResponse | undefined = opened.first; event; event = await nextEvent(opened)) {
      switch (event.event.case) {
        case "chunk": {
          record.markFirstToken();
          const received = new StreamChunk(event.event.value);
          const chunk = output ? output.chunk(received) : received;
          assembler?.add(chunk.view);
          await sse.frames(formatter.chunk(chunk));
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
    await sse.frames(formatter.fail(record.error));
    sse.end();
    return;
  }
  const held = output?.end();
  if (held) await sse.frames(formatter.chunk(held));
  noteOutputHits(record, output);
  const usage = usageJson(record.usage);
  await sse.frames(formatter.finish(usage));
  sse.end();
  const completion = assembler?.completion(usage);
  if (completion) store?.(Buffer.from(JSON.stringify(completion)));
}

async function nextEvent(opened: OpenedAttempt): Promise<GenerateResponse | undefined> {
  const next = await opened.rest.next();
  return next.done ? undefined : next.value;
}

function headersOf(reply: FastifyReply): Record<string, string> {
  return Object.fromEntries(Object.entries(reply.getHeaders()).map(([name, value]) => [name, String(value)]));
}

function asBody(body: Uint8Array | string): Buffer | string {
  return typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function includeUsage(body: Record<string, unknown>): boolean {
  return (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
}

function operationName(operation: Operation): string {
  return operation === Operation.EMBEDDINGS ? "embeddings" : "chat";
}

export function usageJson(usage: TokenUsage | undefined): UsageJson {
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

function unavailable(service: string) {
  return (error: unknown): never => {
    throw new GatewayError("service_unavailable", `The gateway's ${service} service is unavailable; try again shortly.`, { retryAfterS: 1, cause: error });
  };
}
