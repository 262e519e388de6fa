import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { UsageEventInit, UsageOutcome } from "@switchyard/bus";
import { type GatewayError, specOf } from "@switchyard/errors";
import { type Attempt, type Deployment, ErrorClass, type TokenUsage, type UpstreamLimits } from "@switchyard/proto";
import { redactCredentials } from "@switchyard/telemetry";
import { costOf } from "./cost.js";

/** The usage event's `cache`: coalesced means another request's upstream call answered it. */
export type CacheStatus = "hit" | "semantic_hit" | "miss" | "coalesced" | "bypass" | "refresh";

/** Answered without an upstream call of its own: costs nothing, and tells the router nothing about latency. */
const SERVED_BY_CACHE: ReadonlySet<CacheStatus | ""> = new Set(["hit", "semantic_hit", "coalesced"]);

/** What the ingress learns about one request on its way through; becomes its UsageEvent. */
export class RequestRecord {
  readonly startedAt = Date.now();
  private readonly startedPerf = performance.now();
  keyName = "";
  team = "";
  strategy = "";
  /** What `x-switchyard-route` said. */
  route = "";
  cache: CacheStatus | "" = "";
  deployment: Deployment | undefined;
  usage: TokenUsage | undefined;
  attempts: Attempt[] = [];
  ttftMs = 0;
  error: GatewayError | undefined;
  cancelled = false;
  /** Guardrail hits, as in x-switchyard-guardrails. */
  guardrails = "";

  constructor(
    readonly requestId: string,
    /** The gateway's own id for the request, unique even when the client repeats its x-request-id. */
    readonly eventId: string,
    readonly endpoint: string,
    readonly model: string,
    readonly stream: boolean,
  ) {}

  /** The connector's usage event: its token counts, and the upstream's rate limits on the attempt that answered. */
  noteUsage(usage: TokenUsage, limits: UpstreamLimits | undefined): void {
    this.usage = usage;
    const attempt = this.attempts.at(-1);
    if (limits && attempt) attempt.limits = limits;
  }

  markFirstToken(): void {
    if (this.ttftMs === 0) this.ttftMs = performance.now() - this.startedPerf;
  }

  get cacheHit(): boolean {
    return SERVED_BY_CACHE.has(this.cache);
  }

  get costUsd(): number {
    return SERVED_BY_CACHE.has(this.cache) ? 0 : costOf(this.usage, this.deployment?.price);
  }

  outcome(status: number): UsageOutcome {
    if (this.cancelled) return "cancelled";
    if (this.error) return specOf(this.error.code).class === ErrorClass.CLIENT ? "rejected" : "failed";
    if (status >= 400) return status < 500 ? "rejected" : "failed";
    return SERVED_BY_CACHE.has(this.cache) ? "cache_hit" : "success";
  }

  /** The UsageEvent's fields; the publisher encodes them later, off the request's path. */
  toEvent(status: number): UsageEventInit {
    return {
      requestId: this.requestId,
      time: timestampFromMs(this.startedAt),
      outcome: this.outcome(status),
      status,
      endpoint: this.endpoint,
      keyName: this.keyName,
      team: this.team,
      model: this.model,
      deploymentId: this.deployment?.id ?? "",
      provider: this.deployment?.provider ?? "",
      upstreamModel: this.deployment?.model ?? "",
      stream: this.stream,
      usage: this.usage,
      costUsd: this.costUsd,
      cache: this.cache,
      latencyMs: performance.now() - this.startedPerf,
      ttftMs: this.ttftMs,
      attempts: this.attempts,
      strategy: this.strategy,
      route: this.route,
      eventId: this.eventId,
      guardrails: this.guardrails,
      failure: this.error && redactedFailure(this.error),
    };
  }
}

/** The failure as the usage event carries it: every consumer (budget, the request log) gets its message redacted. */
function redactedFailure(error: GatewayError) {
  const failure = error.toFailure();
  failure.message = redactCredentials(failure.message);
  return failure;
}
