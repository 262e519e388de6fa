/** What the router knows about one deployment, learned from usage events. */
export interface DeploymentHealth {
  /** Retryable failures in a row (reset by a success). */
  failures: number;
  /** Circuit breaker open until this Unix ms; a half-open probe follows. */
  openUntil: number;
  /** The upstream asked for a pause (429 with retry-after) until this Unix ms. */
  retryAfterUntil: number;
  /** EWMA of the whole answer's latency, ms; undefined before the first answer. */
  latencyMs: number | undefined;
  /** EWMA of time to first token of streamed answers, ms. */
  ttftMs: number | undefined;
  /** The provider's rate-limit state as of the latest answer that reported one. */
  quota: Quota | undefined;
  /** The latest times to the first event (first token, or the whole answer when not streamed), for percentiles. */
  recent: number[];
}

/** A provider's rate-limit window for one deployment (from `x-ratelimit-*`), with absolute reset times. */
export interface Quota {
  at: number;
  remainingRequests?: number | undefined;
  limitRequests?: number | undefined;
  resetRequestsAt?: number | undefined;
  remainingTokens?: number | undefined;
  limitTokens?: number | undefined;
  resetTokensAt?: number | undefined;
}

/** Share of a window's limit below which a deployment is left alone until the window resets. */
const QUOTA_FLOOR = 0.02;

/** How many recent first-event times each deployment keeps for its p95. */
const RECENT = 100;
/** Fewer samples than this give no p95. */
const MIN_SAMPLES = 20;

/** One attempt as a usage event reports it. */
export interface ObservedAttempt {
  deploymentId: string;
  status: number;
  latencyMs: number;
  errorCode: string;
  retryAfterS: number;
  /** The upstream's `x-ratelimit-*` state after the attempt, when it sent any. */
  limits?: UpstreamLimitsView | undefined;
}

export interface UpstreamLimitsView {
  limitRequests?: number | undefined;
  remainingRequests?: number | undefined;
  resetRequestsMs?: number | undefined;
  limitTokens?: number | undefined;
  remainingTokens?: number | undefined;
  resetTokensMs?: number | undefined;
}

export interface ObservedRequest {
  /** Unix ms of the request (the event's time), so a replayed stream yields the same view. */
  at: number;
  stream: boolean;
  /** The whole request's latency and time to first token, ms. */
  latencyMs: number;
  ttftMs: number;
  attempts: readonly ObservedAttempt[];
}

export type SkipReason = "cooldown" | "retry_after" | "quota";

export type CooldownOf = (deploymentId: string) => false | { after_failures: number; for_s: number };

/** Statuses that say the deployment, not the request, is at fault. */
function isDeploymentFailure(attempt: ObservedAttempt): boolean {
  if (attempt.status === 0) return attempt.errorCode !== "request_cancelled";
  return attempt.status === 408 || attempt.status === 429 || attempt.status >= 500;
}

/**
 * Per-deployment health (circuit breaker, retry-after pauses, latency EWMAs) folded from usage
 * events. Every router replica reads the same stream, so every replica converges on the same view.
 */
export class HealthBook {
  private readonly book = new Map<string, DeploymentHealth>();

  constructor(
    private readonly cooldownOf: CooldownOf,
    /** Weight of the newest sample in the EWMAs. */
    private readonly alpha = 0.3,
  ) {}

  get(deploymentId: string): DeploymentHealth | undefined {
    return this.book.get(deploymentId);
  }

  /** Folds in one request's attempts. */
  observe(request: ObservedRequest): void {
    let before = 0;
    for (const attempt of request.attempts) {
      const health = this.entry(attempt.deploymentId);
      if (attempt.limits && (health.quota?.at ?? 0) <= request.at) health.quota = quotaOf(attempt.limits, request.at + attempt.latencyMs);
      if (attempt.status >= 200 && attempt.status < 300) {
        health.failures = 0;
        health.openUntil = 0;
        health.recent.push(attempt.latencyMs);
        if (health.recent.length > RECENT) health.recent.shift();
        // A streamed attempt's first event is its first token; a plain one's is the whole answer.
        if (request.stream) {
          health.ttftMs = this.ewma(health.ttftMs, attempt.latencyMs);
          health.latencyMs = this.ewma(health.latencyMs, Math.max(attempt.latencyMs, request.latencyMs - before));
        } else {
          health.latencyMs = this.ewma(health.latencyMs, attempt.latencyMs);
        }
      } else if (isDeploymentFailure(attempt)) {
        health.failures += 1;
        const cooldown = this.cooldownOf(attempt.deploymentId);
        // Open once the streak is long enough; a failed half-open probe opens it again.
        if (cooldown && health.failures >= cooldown.after_failures && health.openUntil <= request.at) {
          health.openUntil = request.at + cooldown.for_s * 1_000;
        }
        if (attempt.retryAfterS > 0) health.retryAfterUntil = Math.max(health.retryAfterUntil, request.at + attempt.retryAfterS * 1_000);
      }
      before += attempt.latencyMs;
    }
  }

  /** Why a deployment must not be tried at `now`, and until when; undefined when it may. */
  skipOf(deploymentId: string, now: number): { reason: SkipReason; until: number } | undefined {
    const health = this.book.get(deploymentId);
    if (!health) return undefined;
    if (health.retryAfterUntil > now && health.retryAfterUntil >= health.openUntil)
      return { reason: "retry_after", until: health.retryAfterUntil };
    if (health.openUntil > now) return { reason: "cooldown", until: health.openUntil };
    const spent = health.quota && quotaSpentUntil(health.quota, now);
    if (spent) return { reason: "quota", until: spent };
    return undefined;
  }

  /** The 95th percentile of the deployment's recent times to first event, ms; undefined with too few samples. */
  firstEventP95(deploymentId: string): number | undefined {
    const recent = this.book.get(deploymentId)?.recent;
    if (!recent || recent.length < MIN_SAMPLES) return undefined;
    const sorted = [...recent].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
  }

  private entry(deploymentId: string): DeploymentHealth {
    let health = this.book.get(deploymentId);
    if (!health) {
      health = { failures: 0, openUntil: 0, retryAfterUntil: 0, latencyMs: undefined, ttftMs: undefined, quota: undefined, recent: [] };
      this.book.set(deploymentId, health);
    }
    return health;
  }

  private ewma(previous: number | undefined, sample: number): number {
    return previous === undefined ? sample : previous + this.alpha * (sample - previous);
  }
}

function quotaOf(limits: UpstreamLimitsView, at: number): Quota {
  return {
    at,
    remainingRequests: limits.remainingRequests,
    limitRequests: limits.limitRequests,
    resetRequestsAt: limits.resetRequestsMs === undefined ? undefined : at + limits.resetRequestsMs,
    remainingTokens: limits.remainingTokens,
    limitTokens: limits.limitTokens,
    resetTokensAt: limits.resetTokensMs === undefined ? undefined : at + limits.resetTokensMs,
  };
}

/**
 * When a window is all but spent (at most 2% of its limit, and at least one request, left), the
 * time it resets; undefined while there is room. A window whose reset the provider did not give
 * is taken to reset a minute after it was reported.
 */
function quotaSpentUntil(quota: Quota, now: number): number | undefined {
  let until: number | undefined;
  const windows: [number | undefined, number | undefined, number | undefined][] = [
    [quota.remainingRequests, quota.limitRequests, quota.resetRequestsAt],
    [quota.remainingTokens, quota.limitTokens, quota.resetTokensAt],
  ];
  for (const [remaining, limit, resetAt] of windows) {
    if (remaining === undefined) continue;
    const floor = Math.max(1, Math.ceil((limit ?? 0) * QUOTA_FLOOR));
    const reset = resetAt ?? quota.at + 60_000;
    if (remaining <= floor && reset > now) until = Math.max(until ?? 0, reset);
  }
  return until;
}
