import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

export { type Span, SpanKind, SpanStatusCode } from "@opentelemetry/api";

/**
 * Tracing is on when an OTLP endpoint is configured (the OpenTelemetry variables:
 * OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_TRACES_SAMPLER and
 * OTEL_TRACES_SAMPLER_ARG choose the sampling). Off, every helper here returns before touching
 * the OpenTelemetry API, so requests pay one boolean test.
 */
export const tracingEnabled: boolean = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);

const tracer = () => trace.getTracer("switchyard");

export interface Tracing {
  /** Sends the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK for this process (OTLP over HTTP, W3C trace context, spans of
 * undici requests such as a connector's upstream calls); does nothing when tracing is off. The
 * SDK is loaded only then, so a process without tracing never loads it.
 */
export async function startTracing(service: string): Promise<Tracing | undefined> {
  if (!tracingEnabled) return undefined;
  const [
    { NodeTracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { registerInstrumentations },
    { UndiciInstrumentation },
  ] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/instrumentation"),
    import("@opentelemetry/instrumentation-undici"),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": process.env.OTEL_SERVICE_NAME || `switchyard-${service}` }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  registerInstrumentations({ tracerProvider: provider, instrumentations: [new UndiciInstrumentation()] });
  return { shutdown: () => provider.shutdown() };
}

/** The W3C `traceparent` of the active span (to put in gRPC metadata or NATS headers); undefined when off or none. */
export function activeTraceparent(): string | undefined {
  if (!tracingEnabled) return undefined;
  return traceparentOf(context.active());
}

function traceparentOf(ctx: Context): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/** The context a `traceparent` header continues (a root context without one). */
export function contextFrom(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/**
 * Runs `work` inside a new span, child of `traceparent` (from a gRPC call or a NATS message), and
 * ends the span when it settles; without tracing it just runs `work`.
 */
export async function inSpan<T>(
  name: string,
  kind: SpanKind,
  traceparent: string | undefined,
  attributes: Attributes,
  work: () => Promise<T>,
): Promise<T> {
  if (!tracingEnabled) return work();
  const span = tracer().startSpan(name, { kind, attributes }, contextFrom(traceparent));
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    throw error;
  } finally {
    span.end();
  }
}

/** A span the caller ends itself (an HTTP request ends when its response closes). */
export function startSpan(
  name: string,
  kind: SpanKind,
  traceparent: string | undefined,
  attributes: Attributes,
): { span: Span; context: Context } | undefined {
  if (!tracingEnabled) return undefined;
  const span = tracer().startSpan(name, { kind, attributes }, contextFrom(traceparent));
  return { span, context: trace.setSpan(ROOT_CONTEXT, span) };
}

/** Runs `work` with `ctx` active, so spans and traceparents made inside are its children. */
export function withContext<T>(ctx: Context, work: () => T): T {
  return context.with(ctx, work);
}

/** The traceparent of a span's context, for headers the span's work sends on. */
export function traceparentOfSpan(ctx: Context): string | undefined {
  return tracingEnabled ? traceparentOf(ctx) : undefined;
}
