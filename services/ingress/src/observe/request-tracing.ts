import type { UsageEventInit } from "@switchyard/bus";
import { type Span, SpanKind, SpanStatusCode, startSpan, traceparentOfSpan, tracingEnabled, withContext } from "@switchyard/telemetry";
import type { FastifyInstance } from "fastify";

type Started = NonNullable<ReturnType<typeof startSpan>>;

const QUIET_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * A server span per request (continuing the client's `traceparent` when it sends one), active
 * while the handler runs so that gRPC calls carry it on; the usage event carries it to the
 * consumers. Nothing is installed when tracing is off.
 */
export class RequestTracing {
  private readonly open = new Map<string, Started>();

  install(app: FastifyInstance): void {
    if (!tracingEnabled) return;
    app.addHook("onRequest", (request, reply, done) => {
      const route = request.routeOptions.url;
      if (route && QUIET_ROUTES.has(route)) return done();
      const header = request.headers.traceparent;
      const started = startSpan(
        `${request.method} ${route ?? "unknown"}`,
        SpanKind.SERVER,
        typeof header === "string" ? header : undefined,
        {
          "http.request.method": request.method,
          "http.route": route ?? "unknown",
          request_id: request.id,
        },
      )!;
      this.open.set(request.id, started);
      // After the response's other close listeners, the usage event's among them, have run.
      reply.raw.once("close", () =>
        setImmediate(() => {
          this.open.delete(request.id);
          end(started.span, reply.raw.statusCode);
        }),
      );
      done();
    });
    // Made active once the body is read, not in onRequest: reading it runs in callbacks that would
    // not carry the context. Before validation, so the key check before it is in the trace too.
    app.addHook("preValidation", (request, _reply, done) => {
      const started = this.open.get(request.id);
      if (started) withContext(started.context, done);
      else done();
    });
  }

  /** The request's trace context for its usage event, after noting what the event says about it. */
  traceparentFor(event: UsageEventInit): string | undefined {
    if (!tracingEnabled) return undefined;
    const started = this.open.get(event.requestId ?? "");
    if (!started) return undefined;
    started.span.setAttributes({
      "switchyard.model": event.model ?? "",
      "switchyard.deployment": event.deploymentId ?? "",
      "switchyard.key_name": event.keyName ?? "",
      "switchyard.outcome": event.outcome ?? "",
      "switchyard.attempts": event.attempts?.length ?? 0,
      "switchyard.cache": event.cache ?? "",
    });
    return traceparentOfSpan(started.context);
  }
}

function end(span: Span, status: number): void {
  span.setAttribute("http.response.status_code", status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
