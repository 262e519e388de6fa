import { collectDefaultMetrics, Registry } from "prom-client";
import { useProcessRegistry } from "./grpc-server-metrics.js";

export { Counter, Gauge, Histogram, Registry } from "prom-client";

/** A registry with the process's default metrics, labelled with the service name. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay monitor wakes the process at this period; prom-client's default (10 ms)
  // costs seven services 100 wake-ups a second each, which this hardware feels.
  collectDefaultMetrics({ register: registry, prefix: "switchyard_", eventLoopMonitoringPrecision: 100 });
  useProcessRegistry(registry);
  return registry;
}
