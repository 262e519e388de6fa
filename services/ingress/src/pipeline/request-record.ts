import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { UsageEventInit, UsageOutcome } from "@switchyard/bus";
import { type GatewayError, specOf } from "@switchyard/errors";
import { type Attempt, type Deployment, ErrorClass, type TokenUsage } from "@switchyard/proto";
import { costOf } from "./cost.js";

export type CacheStatus = "hit" | "semantic-hit" | "miss" | "bypass" | "refresh";

/** What the ingress learns about one request on its way through; becomes its UsageEvent. */
export class RequestRecord {
  readonly startedAt = Date.now();
  private readonly startedPerf = performance.now();
  keyName = "";
  team = "";
  strategy = "";
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

  markFirstToken(): void {
    if (this.ttftMs === 0) this.ttftMs = performance.now() - this.startedPerf;
  }

  get cacheHit(): boolean {
    return this.cache === "hit" || this.cache === "semantic-hit";
  }

  get costUsd(): number {
    return this.cache === "hit" || this.cache === "semantic-hit" ? 0 : costOf(this.usage, this.deployment?.price);
  }

  outcome(status: number): UsageOutcome {
    if (this.cancelled) return "cancelled";
    if (this.error) return specOf(this.error.code).class === ErrorClass.CLIENT ? "rejected" : "failed";
    if (status >= 400) return status < 500 ? "rejected" : "failed";
    return this.cache === "hit" || this.cache === "semantic-hit" ? "cache_hit" : "success";
  }

  /** The UsageEvent's fields: the publisher encodes them straight to JSON, without a message object. */
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
      eventId: this.eventId,
      guardrails: this.guardrails,
      failure: this.error?.toFailure(),
    };
  }
}
