import type { SERVICE_PORTS } from "@switchyard/config";

type Services = typeof SERVICE_PORTS;

/** Ports to use instead of the documented ones, per service and kind; 0 is any free port. */
export type PortSettings = { [S in keyof Services]?: { [K in keyof Services[S]]?: number } };

/**
 * The environment variables `npm start` reads for every port of the mesh. A connector group's
 * replicas take consecutive ports from the one given (0: a free port each).
 */
export const PORT_VARIABLES: { [S in keyof Services]: { [K in keyof Services[S]]: string } } = {
  ingress: { http: "SWITCHYARD_PORT", ops: "SWITCHYARD_INGRESS_OPS_PORT" },
  policy: { grpc: "SWITCHYARD_POLICY_GRPC_PORT", ops: "SWITCHYARD_POLICY_OPS_PORT" },
  cache: { grpc: "SWITCHYARD_CACHE_GRPC_PORT", ops: "SWITCHYARD_CACHE_OPS_PORT" },
  router: { grpc: "SWITCHYARD_ROUTER_GRPC_PORT", ops: "SWITCHYARD_ROUTER_OPS_PORT" },
  budget: { ops: "SWITCHYARD_BUDGET_OPS_PORT" },
  logger: { ops: "SWITCHYARD_LOGGER_OPS_PORT" },
  connector: { grpc: "SWITCHYARD_CONNECTOR_GRPC_PORT", ops: "SWITCHYARD_CONNECTOR_OPS_PORT" },
};

/** Reads PORT_VARIABLES from `env`; a value that is not a port is an error naming the variable. */
export function portsFromEnv(env: Record<string, string | undefined>): PortSettings {
  const settings: Record<string, Record<string, number>> = {};
  for (const [service, kinds] of Object.entries(PORT_VARIABLES)) {
    for (const [kind, variable] of Object.entries(kinds as Record<string, string>)) {
      const text = env[variable]?.trim();
      if (text === undefined || text === "") continue;
      const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
      if (!(port >= 0 && port <= 65_535))
        throw new Error(`${variable}="${text}" is not a port: use a number from 1 to 65535, or 0 for any free port`);
      (settings[service] ??= {})[kind] = port;
    }
  }
  return settings as PortSettings;
}
