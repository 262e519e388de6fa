export { createLogger } from "./logger.js";
export { redactCredentials } from "./redact.js";
export type { Logger } from "./logger.js";
export { createRegistry, Counter, Gauge, Histogram, Registry } from "./metrics.js";
export { MetricBatch } from "./metric-batch.js";
export { startOpsServer } from "./ops-server.js";
export type { OpsServerOptions } from "./ops-server.js";
export { onShutdown, exitOnStartFailure } from "./lifecycle.js";
export type { ShutdownStep } from "./lifecycle.js";
export { BoundedLabel, OTHER_LABEL } from "./bounded-label.js";
export {
  activeTraceparent,
  contextFrom,
  inSpan,
  SpanKind,
  SpanStatusCode,
  startSpan,
  startTracing,
  traceparentOfSpan,
  tracingEnabled,
  withContext,
} from "./tracing.js";
export type { Span, Tracing } from "./tracing.js";
export { grpcServerMetrics } from "./grpc-server-metrics.js";
export type { GrpcServerMetrics } from "./grpc-server-metrics.js";
