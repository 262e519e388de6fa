import type { MessageInitShape } from "@bufbuild/protobuf";
import { DEFAULT_MODEL_TIMEOUT_MS, type ProviderConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { type CallContext, Cancellation } from "@switchyard/grpc";
import { type GenerateRequest, type GenerateResponseSchema, Operation, type UpstreamLimitsSchema } from "@switchyard/proto";
import type { Logger } from "@switchyard/telemetry";
import type { ConnectorMetrics } from "./metrics.js";
import { RequestBody } from "./providers/request-body.js";
import type { RateLimitInfo } from "./providers/types.js";
import {
  type ChatRequestJson,
  type EmbeddingsRequestJson,
  type PassthroughCall,
  type ProviderAdapter,
  type UsageJson,
  upstreamBytesOf,
} from "./providers/types.js";
import { chunkBytesForClient, toTokenUsage, wantsUsageChunk } from "./stream-usage.js";

type GenerateEvent = MessageInitShape<typeof GenerateResponseSchema>;

export interface GenerateHandlerOptions {
  provider: ProviderConfig;
  adapter: ProviderAdapter;
  logger: Logger;
  metrics: ConnectorMetrics;
}

// Buffer.from takes small strings from Node's shared pool; TextEncoder gives each its own
// ArrayBuffer, and freeing thousands of those is a visible part of every scavenge.
const json = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));
const answerBytes = (answer: object): Uint8Array => upstreamBytesOf(answer) ?? json(answer);
// The upstream's rate limits ride on the last event, and only when it sent any.
const usageEvent = (usage: UsageJson | null | undefined, limits: RateLimitInfo | undefined): GenerateEvent =>
  limits
    ? { event: { case: "usage", value: toTokenUsage(usage) }, limits: limitsMessage(limits) }
    : { event: { case: "usage", value: toTokenUsage(usage) } };

/** RateLimitInfo as the proto's UpstreamLimits: whole, non-negative numbers within uint32. */
function limitsMessage(limits: RateLimitInfo): MessageInitShape<typeof UpstreamLimitsSchema> {
  const message: MessageInitShape<typeof UpstreamLimitsSchema> = {};
  for (const key of LIMIT_KEYS) {
    const value = limits[key];
    if (value !== undefined && Number.isFinite(value)) message[key] = Math.min(0xffff_ffff, Math.max(0, Math.round(value)));
  }
  return message;
}

const LIMIT_KEYS = [
  "limitRequests",
  "remainingRequests",
  "resetRequestsMs",
  "limitTokens",
  "remainingTokens",
  "resetTokensMs",
] as const satisfies readonly (keyof RateLimitInfo)[];

/**
 * The ConnectorService.Generate handler: checks the request, runs the provider's adapter under the
 * attempt's deadline, and streams its answer as events. Whatever goes wrong ends as one `failure`
 * event; a cancelled call just stops (there is nobody left to tell).
 */
export function createGenerateHandler(options: GenerateHandlerOptions) {
  const { provider, adapter, logger, metrics } = options;

  return async function* generate(request: GenerateRequest, call: CallContext): AsyncGenerator<GenerateEvent> {
    const started = performance.now();
    const operation = request.operation === Operation.EMBEDDINGS ? "embeddings" : "chat";
    // A child logger per call costs more than the rest of a mock call: made only when something is logged.
    let child: Logger | undefined;
    const log = () => (child ??= logger.child({ request_id: request.requestId, deployment: request.deployment?.id, operation }));
    const timeoutMs = request.timeoutMs || request.deployment?.timeoutMs || provider.timeout_ms || DEFAULT_MODEL_TIMEOUT_MS;
    // One cancellation ends the adapter's work: the caller cancelled, the deadline passed, or the
    // handler stopped before the call finished. (Not an AbortController: see `Cancellation`.)
    const stop = new Cancellation();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop.cancel();
    }, timeoutMs);
    const stopOnCancel = call.onCancel(() => stop.cancel());
    let firstEventAt: number | undefined;
    let outcome: string | undefined;
    const first = () => (firstEventAt ??= performance.now());

    let ctx: CallAdapterContext | undefined;
    try {
      const { deployment, body } = prepare(request, provider);
      ctx = new CallAdapterContext(request.requestId, deployment, stop, log);
      // The OpenAI adapter takes the body as bytes (`passthrough`); every other adapter gets it parsed.
      const fast = adapter.passthrough;

      if (operation === "embeddings") {
        if (!adapter.embeddings)
          throw new GatewayError("invalid_request", `provider "${provider.name}" (${provider.kind}) does not serve embeddings`);
        const response = fast?.embeddings
          ? await fast.embeddings(body as RequestBody<EmbeddingsRequestJson>, ctx)
          : await adapter.embeddings(body.json as EmbeddingsRequestJson, ctx);
        first();
        yield { event: { case: "completion", value: answerBytes(response) } };
        yield usageEvent(response.usage, ctx.limits);
      } else if (!request.stream) {
        const completion = fast
          ? await fast.chat(body as RequestBody<ChatRequestJson>, ctx)
          : await adapter.chat(body.json as ChatRequestJson, ctx);
        first();
        yield { event: { case: "completion", value: answerBytes(completion) } };
        yield usageEvent(completion.usage, ctx.limits);
      } else {
        const includeUsage = wantsUsageChunk(body.member("stream_options"));
        let usage: UsageJson | undefined;
        const chunks = fast
          ? fast.chatStream(body as RequestBody<ChatRequestJson>, ctx)
          : adapter.chatStream(body.json as ChatRequestJson, ctx);
        for await (const chunk of chunks) {
          if (chunk.usage) usage = chunk.usage;
          const bytes = chunkBytesForClient(chunk, includeUsage);
          if (!bytes) continue;
          first();
          yield { event: { case: "chunk", value: bytes } };
        }
        if (!usage) log().debug("the upstream reported no usage; counting 0 tokens");
        yield usageEvent(usage, ctx.limits);
      }
      outcome = "success";
    } catch (error) {
      if (call.cancelled) return;
      const failure = timedOut
        ? new GatewayError("upstream_timeout", `${provider.name} did not finish within ${timeoutMs} ms`)
        : asGatewayError(error);
      outcome = failure.code;
      if (failure.code === "internal_error") log().error({ err: error }, "generate failed");
      else log().warn({ code: failure.code, upstream_status: failure.upstreamStatus, message: failure.message }, "upstream failure");
      const limits = ctx?.limits;
      yield limits
        ? { event: { case: "failure", value: failure.toFailure() }, limits: limitsMessage(limits) }
        : { event: { case: "failure", value: failure.toFailure() } };
    } finally {
      clearTimeout(timer);
      stopOnCancel();
      // A call stopped while an event was on its way (client gone) ends here without a catch.
      outcome ??= "cancelled";
      // Stopped early: end whatever the adapter still has open. (A finished call leaves its
      // connection alone, so it can go back to the pool.)
      if (outcome !== "success") stop.cancel();
      const ended = performance.now();
      // Queued, not applied: the caller's answer does not wait for the bookkeeping.
      metrics.record(
        outcome === "success"
          ? {
              provider: provider.name,
              operation,
              outcome,
              firstEventS: ((firstEventAt ?? ended) - started) / 1000,
              totalS: (ended - started) / 1000,
            }
          : { provider: provider.name, operation, outcome },
      );
      if (logger.isLevelEnabled("debug")) log().debug({ outcome, ms: Math.round(ended - started) }, "generate done");
    }
  };
}

/**
 * An adapter's view of one call. A class, not an object literal with getters: getters made per
 * call would give each call a hidden class of its own, and keep its objects alive longer. The
 * signal and the logger are made on first use: most calls need neither.
 */
class CallAdapterContext implements PassthroughCall {
  /** What the upstream's rate-limit headers said, when it sent any. */
  limits: RateLimitInfo | undefined;

  constructor(
    readonly requestId: string,
    readonly deployment: { readonly id: string; readonly model: string },
    readonly cancellation: Cancellation,
    private readonly log: () => Logger,
  ) {}

  get signal(): AbortSignal {
    return this.cancellation.signal;
  }

  get logger(): Logger {
    return this.log();
  }

  reportLimits(limits: RateLimitInfo): void {
    this.limits = limits;
  }
}

/**
 * The deployment and the body, or a GatewayError saying what is wrong with the request. The body
 * is parsed when an adapter reads it: one that forwards it (OpenAI) never does.
 */
function prepare(request: GenerateRequest, provider: ProviderConfig): { deployment: { id: string; model: string }; body: RequestBody } {
  const deployment = request.deployment;
  if (!deployment?.model) throw new GatewayError("invalid_request", "the request names no deployment model");
  if (deployment.provider && deployment.provider !== provider.name) {
    // A stale registry entry (this address now serves another provider): another replica can answer.
    throw new GatewayError("service_unavailable", `this connector serves provider "${provider.name}", not "${deployment.provider}"`);
  }
  return { deployment: { id: deployment.id, model: deployment.model }, body: new RequestBody(request.body) };
}

function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError("internal_error", "the connector failed to handle the request", { cause: error });
}
