import type { GatewayConfig } from "@switchyard/config";
import type { Logger, Registry } from "@switchyard/telemetry";
import type { FastifyInstance } from "fastify";
import type { MeshClients } from "../mesh/clients.js";
import { AccessLog } from "./access-log.js";
import { RequestMetrics } from "./request-metrics.js";
import { RequestTracing } from "./request-tracing.js";

export { GrpcClientMetrics, instrumentClient } from "./grpc-metrics.js";
export { registerPublisherMetrics } from "./request-metrics.js";

/**
 * The mesh as the routes see it, with each request's usage event also feeding the request metrics
 * and the access log line, and carrying the request's trace; installs the line for requests
 * without a usage event and the request spans.
 */
export function observeRequests<M extends Pick<MeshClients, "usage">>(
  app: FastifyInstance,
  mesh: M,
  options: { config: GatewayConfig; logger: Logger; registry: Registry },
): M {
  const { observability } = options.config;
  const metrics = new RequestMetrics(options.registry, observability.metrics.max_key_labels);
  const accessLog = new AccessLog(options.logger, observability.access_log.sample_rate);
  accessLog.install(app);
  const tracing = new RequestTracing();
  tracing.install(app);
  const sink = mesh.usage;
  return {
    ...mesh,
    usage: {
      publish: (outcome, event) => {
        metrics.observe(outcome, event);
        accessLog.generation(outcome, event);
        sink.publish(outcome, event, tracing.traceparentFor(event));
      },
    },
  };
}
