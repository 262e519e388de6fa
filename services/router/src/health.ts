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
  /** The latest times to the first event (first token, or the whole answer when not streamed), for percentiles. */
  recent: number[];
}

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
  skipOf(deploymentId: string, now: number): { reason: "cooldown" | "retry_after"; until: number } | undefined {
    const health = this.book.get(deploymentId);
    if (!health) return undefined;
    if (health.retryAfterUntil > now && health.retryAfterUntil >= health.openUntil) return { reason: "retry_after", until: health.retryAfterUntil };
    if (health.openUntil > now) return { reason: "cooldown", until: health.openUntil };
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
      health = { failures: 0, openUntil: 0, retryAfterUntil: 0, latencyMs: undefined, ttftMs: undefined, recent: [] };
      this.book.set(deploymentId, health);
    }
    return health;
  }

  private ewma(previous: number | undefined, sample: number): number {
    return previous === undefined ? sample : previous + this.alpha * (sample - previous);
  }
}
