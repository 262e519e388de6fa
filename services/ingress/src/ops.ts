import { type Env, portOf, SERVICE_PORTS } from "@switchyard/config";
import { type Registry, startOpsServer } from "@switchyard/telemetry";
import type { MeshClients } from "./mesh/clients.js";

/**
 * The ingress's ops port, like every other service's: /healthz, /readyz with its problems (which
 * name internal addresses) and the providers with live connectors, and /metrics. It binds
 * GRPC_HOST, the host of the internal ports, never the public SWITCHYARD_HOST.
 */
export function startIngressOps(env: Env, mesh: Pick<MeshClients, "readiness" | "connectors">, registry: Registry) {
  return startOpsServer({
    host: env.GRPC_HOST,
    port: portOf(env.OPS_PORT, SERVICE_PORTS.ingress.ops),
    registry,
    readiness: () => mesh.readiness(),
    readinessDetails: () => ({ connectors: mesh.connectors.providers() }),
  });
}
