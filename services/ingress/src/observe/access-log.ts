import type { UsageEventInit, UsageOutcome } from "@switchyard/bus";
import type { Logger } from "@switchyard/telemetry";
import type { FastifyInstance } from "fastify";

/** Probes and scrapes: a line each would drown the requests. */
const QUIET_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * One line at info per request, with the same field names in every service (`request_id`…).
 * Successful requests are sampled (`observability.access_log.sample_rate`); the others always log.
 */
export class AccessLog {
  /** Request ids whose generation already wrote its line (from the usage event). */
  private readonly written = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly sampleRate: number,
    private readonly random: () => number = Math.random,
  ) {}

  private sampled(status: number): boolean {
    return status >= 400 || this.sampleRate >= 1 || (this.sampleRate > 0 && this.random() < this.sampleRate);
  }

  /** A generation's line, from its usage event. */
  generation(outcome: UsageOutcome, event: UsageEventInit): void {
    const status = event.status ?? 0;
    this.written.add(event.requestId ?? "");
    if (!this.sampled(status)) return;
    this.logger.info(
      {
        request_id: event.requestId,
        route: event.endpoint,
        key_name: event.keyName,
        team: event.team,
        model: event.model,
        deployment: event.deploymentId,
        status,
        outcome,
        latency_ms: round(event.latencyMs ?? 0),
        ...(event.ttftMs ? { ttft_ms: round(event.ttftMs) } : {}),
        attempts: event.attempts?.length ?? 0,
        cache: event.cache,
        ...(event.failure?.code ? { error_code: event.failure.code } : {}),
      },
      "request",
    );
  }

  /**
   * Lines for requests that publish no usage event (models, logs, bad requests refused before a
   * generation starts). A generation publishes in its response's `close` listeners; this looks
   * once they have all run.
   */
  install(app: FastifyInstance): void {
    app.addHook("onRequest", (request, reply, done) => {
      const route = request.routeOptions.url;
      if (route && QUIET_ROUTES.has(route)) return done();
      const started = performance.now();
      reply.raw.once("close", () =>
        setImmediate(() => {
          if (this.written.delete(request.id)) return;
          const status = reply.raw.statusCode;
          if (!this.sampled(status)) return;
          this.logger.info(
            {
              request_id: request.id,
              route: route ?? "unknown",
              method: request.method,
              status,
              latency_ms: round(performance.now() - started),
            },
            "request",
          );
        }),
      );
      done();
    });
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
