import { Histogram, type Registry } from "prom-client";
import { MetricBatch } from "./metric-batch.js";

/** Times the calls a process serves over gRPC, per method; see `grpcServerMetrics`. */
export interface GrpcServerMetrics {
  observe(method: string, code: number, seconds: number): void;
}

let registry: Registry | undefined;
let metrics: GrpcServerMetrics | undefined;

/** Called by createRegistry: the process's registry, where server-side gRPC timings go. */
export function useProcessRegistry(processRegistry: Registry): void {
  registry = processRegistry;
  metrics = undefined;
}

/**
 * The histogram of served gRPC calls in the process's registry (made on first use), or undefined
 * before the process has made its registry. The gRPC server reaches it here, so no service has to
 * hand its registry to the server it starts.
 */
export function grpcServerMetrics(): GrpcServerMetrics | undefined {
  if (metrics || !registry) return metrics;
  const batch = new MetricBatch();
  const duration = new Histogram({
    name: "switchyard_grpc_server_duration_seconds",
    help: "gRPC calls served, by full method name and status code (0: OK); streams until their last message",
    labelNames: ["method", "code"],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 120],
    registers: [registry],
    collect: batch.flush,
  });
  metrics = { observe: (method, code, seconds) => batch.observe(duration, { method, code: String(code) }, seconds) };
  return metrics;
}
