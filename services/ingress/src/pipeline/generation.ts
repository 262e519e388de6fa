import { create } from "@bufbuild/protobuf";
import { GatewayError, toHttpError } from "@switchyard/errors";
import { Cancellation } from "@switchyard/grpc";
import { type GenerateResponse, Operation, type PlanResponse, type TokenUsage, TokenUsageSchema } from "@switchyard/proto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { followFlight } from "../cache/follow-flight.js";
import type { CacheEntryRef, CacheFound, RequestCache } from "../cache/request-cache.js";
import type { MeshClients } from "../mesh/clients.js";
import { cachedCall } from "../mesh/decision-cache.js";
import { planWithFallback } from "../mesh/plan-fallback.js";
import { noteOutputHits, type OutputFilter } from "../policy/output-filter.js";
import type { RequestPolicy } from "../policy/request-policy.js";
import type { ChatCompletionRequest } from "../schemas/chat-completions.js";
import { failedCheck } from "./answer-checks.js";
import { type AnswerFormat, StreamChunk, type StreamFormatter, type UsageJson } from "./answer-format.js";
import { apiKeyFrom } from "./api-key.js";
import { AttemptsExhausted, attemptsHeader, type OpenedAttempt, openFirstAttempt } from "./attempts.js";
import { cacheDirectiveFrom, cacheKeyOf, cacheTtlFrom } from "./cache-key.js";
import { requiredCapabilities } from "./capabilities.js";
import { formatCost } from "./cost.js";
import { defaultComplexity } from "./prompt-complexity.js";
import { eventIdOf } from "./request-id.js";
import { RequestRecord } from "./request-record.js";
import { routeOf } from "./route.js";
import { SseWriter } from "./sse.js";
import { type ChunkView, completionToChunks, StreamAssembler } from "./stream-assembler.js";

export interface GenerationSettings {
  /** Per-model cache policy, lookups, stampede protection and stores. */
  cache: RequestCache;
  /** Longest a request waits on an identical one's upstream call before making its own. */
  coalesceWaitMs: number;
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
export function chatGeneration(endpoint: string, body: ChatCompletionRequest, format: AnswerFormat, bodyBytes?: Uint8Array): Generation {
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
  const cacheEnabled = settings.cache.policyOf(model).enabled;
  let cacheKey: string | undefined;
  record.cache = !cacheEnabled || directive === "bypass" ? "bypass" : directive === "refresh" ? "refresh" : "miss";
  let entry: CacheEntryRef | undefined;
  let found: CacheFound | undefined;
  const control = { timeoutMs: settings.controlTimeoutMs };
  let sse: SseWriter | undefined;
  let output: OutputFilter | undefined;

  try {
    const operation = operationName(generation.operation);
    const planKey = `${model}\u0000${operation}\u0000${generation.requiredCapabilities.join(",")}\u0000${stream ? "s" : ""}`;
    const planned = cachedCall(mesh.decisions.plans, planKey, () =>
      // The router away: the last good plan, or the config's order.
      planWithFallback(mesh.planFallback, planKey, { model, operation, requiredCapabilities: generation.requiredCapabilities }, () =>
        mesh.router.plan(
          { model, requestId: request.id, requiredCapabilities: generation.requiredCapabilities, operation, stream },
          control,
        ),
      ),
    ).catch(unavailable("router"));
    planned.catch(() => {}); // awaited below, after policy has had its say
    // Input guardrails may change the prompt: the cache key is computed from what goes upstream.
    const entered = await settings.policy.enter(request, reply, generation, record);
    output = entered.output;
    const auth = entered.auth;
    if (cacheEnabled && directive !== "bypass")
      cacheKey = `${generation.endpoint === "/v1/embeddings" ? "e:" : ""}${cacheKeyOf(generation.body)}`;
    const key = cacheKey;
    const [plan] = await Promise.all([
      planned,
      // The entry's namespace is the caller's. A cache that cannot answer is a miss, never an
      // error for the client.
      key
        ? (async () => {
            entry = settings.cache.entryOf(model, key, generation.body, auth, request.id);
            if (directive === "use") found = await settings.cache.find(entry, { coalesce: true });
          })().catch(() => {})
        : undefined,
      entered.admitted,
    ]);
    const leader = found?.kind === "lead" ? found.leader : undefined;
    const hit = found?.kind === "hit" || found?.kind === "semantic_hit" ? found : undefined;
    if (plan.failure) throw GatewayError.fromFailure(plan.failure);
    record.strategy = plan.strategy;
    record.route = `${plan.strategy}; ${plan.reason}`;
    const headers: Record<string, string> = {
      // Headers set by hooks (route-specific ones included) must survive a hijacked stream; a
      // plain reply keeps them by itself.
      ...(stream ? headersOf(reply) : undefined),
      "x-request-id": request.id,
      // A follower's stream may open (heartbeats) before the leader's first chunk.
      "x-switchyard-cache": found?.kind === "follow" ? "coalesced" : record.cache,
      "x-switchyard-route": record.route,
    };

    if (hit) {
      record.cache = hit.kind;
      Object.assign(headers, {
        "x-switchyard-cache": hit.kind === "hit" ? "hit" : "semantic-hit",
        "x-switchyard-deployment": hit.deploymentId,
        "x-switchyard-attempts": "",
        "x-switchyard-cost": "0",
      });
      if (hit.kind === "semantic_hit") headers["x-switchyard-cache-similarity"] = hit.similarity.toFixed(4);
      const body = output ? output.complete(hit.body) : hit.body;
      const hits = noteOutputHits(record, output);
      if (hits) headers["x-switchyard-guardrails"] = hits;
      const completion = JSON.parse(decoder.decode(body)) as Record<string, unknown>;
      record.usage = usageFromJson(completion.usage);
      record.markFirstToken();
      settings.cache.metrics.result(hit.kind);
      settings.cache.served(model, hit.deploymentId, hit.body.byteLength, record.usage);
      if (!stream) {
        reply
          .headers(headers)
          .type("application/json")
          .send(asBody(format.complete(body)));
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
    const route = routeOf(plan, {
      body: generation.body,
      random: Math.random,
      inFlight: mesh.routing.inFlight,
      skipUntil: (id) => mesh.routing.health.skipUntil(id),
      complexity: defaultComplexity,
      chat: generation.operation === Operation.CHAT,
    });
    const notes = route.note ? [route.note] : [];
    const cooldown = { afterFailures: plan.cooldownAfterFailures, ms: plan.cooldownMs };
    const showRoute = () => {
      record.route = [`${plan.strategy}; ${plan.reason}`, ...notes].join("; ");
      headers["x-switchyard-route"] = record.route;
    };
    showRoute();
    if (hedging(plan)) mesh.routing.hedges.earn(model, plan.hedgeMaxShare);
    if (found?.kind === "follow") {
      const followed = await followFlight(found.flight, {
        record,
        reply,
        sse,
        headers,
        format,
        includeUsage: includeUsage(generation.body),
        deployments: plan.attempts,
        waitMs: settings.coalesceWaitMs,
        served: (deploymentId, bytes, usage) => settings.cache.served(model, deploymentId, bytes, usage),
      });
      settings.cache.metrics.result(followed ? "coalesced" : "miss");
      if (followed) return;
      headers["x-switchyard-cache"] = record.cache;
    } else if (cacheKey) settings.cache.metrics.result("miss");
    const opened = await openFirstAttempt(
      route.attempts,
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
      {
        retries: plan.retries ?? { attempts: 0, backoffMs: 0, maxBackoffMs: 0 },
        ownAttempts: route.ownAttempts,
        onAttempt: (deployment, outcome, retryAfterS) => mesh.routing.health.observe(deployment.id, outcome, retryAfterS, cooldown),
        track: (deployment) => mesh.routing.inFlight.local.start(deployment.id),
        ...(plan.cascade
          ? { check: (events: readonly GenerateResponse[]) => failedCheck(plan.cascade!.checks, events, generation.body) }
          : {}),
        ...(hedging(plan)
          ? { hedge: { afterMs: (id: string) => plan.hedgeAfterMs[id] || undefined, take: () => mesh.routing.hedges.take(model) } }
          : {}),
        notes,
      },
    ).finally(showRoute);
    reply.raw.once("close", opened.done);
    record.deployment = opened.deployment;
    leader?.flight.push({ kind: "open", deploymentId: opened.deployment.id });
    Object.assign(headers, { "x-switchyard-deployment": opened.deployment.id, "x-switchyard-attempts": attemptsHeader(record.attempts) });
    const cacheEntry = entry;
    const store = cacheEntry
      ? (completion: Uint8Array | undefined) =>
          // An answer a guardrail changed is not kept (another key's rules may differ); its
          // followers, who share this key's namespace, still get what this client got.
          settings.cache.store(cacheEntry, output?.changed ? undefined : completion, opened.deployment.id, {
            ttlMs: cacheTtlFrom(request.headers["x-switchyard-cache-ttl"]),
            replace: directive === "refresh",
            ...(leader ? { leader } : {}),
          })
      : undefined;
    const relay = leader ? (chunk: StreamChunk) => leader.flight.push({ kind: "chunk", bytes: chunk.bytes }) : undefined;

    if (sse) await streamAnswer(opened, record, sse, headers, format.stream(), store, relay, output);
    else await sendAnswer(opened, record, reply, headers, format, store, output);
  } catch (error) {
    const failure = error instanceof AttemptsExhausted ? error.error : error;
    record.error =
      failure instanceof GatewayError ? failure : new GatewayError("internal_error", "The gateway failed to handle the request.");
    if (!(failure instanceof GatewayError)) request.log.error({ err: failure }, "generation failed");
    const http = toHttpError(record.error);
    const headers: Record<string, string> = {
      ...headersOf(reply),
      ...http.headers,
      "x-request-id": request.id,
      "x-switchyard-cache": record.cache || "miss",
    };
    if (record.attempts.length > 0) headers["x-switchyard-attempts"] = attemptsHeader(record.attempts);
    if (record.route) headers["x-switchyard-route"] = record.route;
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
  } finally {
    // A leader that did not finish its answer lets the requests waiting on it go upstream.
    if (found?.kind === "lead") found.leader.settle();
  }
}

async function sendAnswer(
  opened: OpenedAttempt,
  record: RequestRecord,
  reply: FastifyReply,
  headers: Record<string, string>,
  format: AnswerFormat,
  store: ((completion: Uint8Array | undefined) => void) | undefined,
  output: OutputFilter | undefined,
): Promise<void> {
  let completion: Uint8Array | undefined;
  for (let event: GenerateResponse | undefined = opened.first; event; event = await nextEvent(opened)) {
    if (event.event.case === "completion") completion = event.event.value;
    else if (event.event.case === "usage") record.noteUsage(event.event.value, event.limits);
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
  store: ((completion: Uint8Array | undefined) => void) | undefined,
  /** Hands each chunk to the requests following this one. */
  relay?: (chunk: StreamChunk) => void,
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
          relay?.(chunk);
          await sse.frames(formatter.chunk(chunk));
          break;
        }
        case "usage":
          record.noteUsage(event.event.value, event.limits);
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
  if (held) {
    assembler?.add(held.view);
    relay?.(held);
    await sse.frames(formatter.chunk(held));
  }
  noteOutputHits(record, output);
  const usage = usageJson(record.usage);
  await sse.frames(formatter.finish(usage));
  sse.end();
  const completion = assembler?.completion(usage);
  store?.(completion ? Buffer.from(JSON.stringify(completion)) : undefined);
}

async function nextEvent(opened: OpenedAttempt): Promise<GenerateResponse | undefined> {
  const next = await opened.rest.next();
  return next.done ? undefined : next.value;
}

function hedging(plan: PlanResponse): boolean {
  return plan.hedgeMaxShare > 0 && Object.keys(plan.hedgeAfterMs).length > 0;
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
  return create(TokenUsageSchema, {
    promptTokens: u.prompt_tokens ?? 0,
    completionTokens: u.completion_tokens ?? 0,
    totalTokens: u.total_tokens ?? 0,
  });
}

function unavailable(service: string) {
  return (error: unknown): never => {
    throw new GatewayError("service_unavailable", `The gateway's ${service} service is unavailable; try again shortly.`, {
      retryAfterS: 1,
      cause: error,
    });
  };
}
