export { BoundedLabel, OTHER_LABEL } from "./bounded-label.js";
export type { GrpcServerMetrics } from "./grpc-server-metrics.js";
export { grpcServerMetrics } from "./grpc-server-metrics.js";
export type { ShutdownStep } from "./lifecycle.js";
export { exitOnStartFailure, onShutdown } from "./lifecycle.js";
export type { Logger } from "./logger.js";
export { createLogger } from "./logger.js";
export { MetricBatch } from "./metric-batch.js";
export { Counter, createRegistry, Gauge, Histogram, Registry } from "./metrics.js";
export type { OpsServerOptions } from "./ops-server.js";
export { startOpsServer } from "./ops-server.js";
export { redactCredentials } from "./redact.js";
export type { Span, Tracing } from "./tracing.js";
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
