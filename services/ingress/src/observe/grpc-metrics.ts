import type { DescService } from "@bufbuild/protobuf";
import { Histogram, MetricBatch, type Registry } from "@switchyard/telemetry";

/** Calls from this process to the mesh's gRPC services, timed per method. */
export class GrpcClientMetrics {
  private readonly batch = new MetricBatch();
  private readonly duration: Histogram<"method" | "code">;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: "switchyard_grpc_client_duration_seconds",
      help: "gRPC calls made by this service, by full method name and status code (0: OK)",
      labelNames: ["method", "code"],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
      collect: this.batch.flush,
    });
  }

  observe(method: string, code: number, seconds: number): void {
    this.batch.observe(this.duration, { method, code: String(code) }, seconds);
  }
}

/**
 * The same client with each unary method timed. Only unary methods: a stream's time is its
 * consumer's, which the attempts' upstream histogram covers for connectors.
 */
export function instrumentClient<C extends object>(client: C, service: DescService, metrics: GrpcClientMetrics): C {
  const timed: Record<string, unknown> = {};
  for (const method of service.methods) {
    if (method.methodKind !== "unary") continue;
    const call = (client as Record<string, unknown>)[method.localName] as (...args: unknown[]) => Promise<unknown>;
    const name = `/${service.typeName}/${method.name}`;
    timed[method.localName] = async (...args: unknown[]) => {
      const started = performance.now();
      try {
        const answer = await call(...args);
        metrics.observe(name, 0, (performance.now() - started) / 1000);
        return answer;
      } catch (error) {
        metrics.observe(name, (error as { code?: number }).code ?? 2, (performance.now() - started) / 1000);
        throw error;
      }
    };
  }
  return Object.assign(Object.create(client) as C, timed);
}
