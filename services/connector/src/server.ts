import type { ProviderConfig } from "@switchyard/config";
import { type RunningServer, startGrpcServer } from "@switchyard/grpc";
import { ConnectorService } from "@switchyard/proto";
import type { Logger, Registry } from "@switchyard/telemetry";
import { createGenerateHandler } from "./generate-handler.js";
import { createConnectorMetrics } from "./metrics.js";
import { adapterFactories } from "./providers/registry.js";
import type { ProviderAdapter } from "./providers/types.js";

export interface ConnectorServerOptions {
  provider: ProviderConfig;
  host: string;
  /** 0 picks a free port; the bound one is in `port`. */
  port: number;
  /** Also serve on this Unix socket (same-host callers). */
  socketPath?: string;
  logger: Logger;
  registry: Registry;
  /** Replaces the adapter the provider's kind selects (tests). */
  adapter?: ProviderAdapter;
}

export interface ConnectorServer {
  readonly port: number;
  /** Calls being served right now. */
  inFlight(): number;
  /** Stops taking calls, lets in-flight ones finish for up to `graceMs`, then closes upstream connections. */
  shutdown(graceMs?: number): Promise<void>;
}

export function createAdapter(provider: ProviderConfig): ProviderAdapter {
  const factory = adapterFactories[provider.kind];
  if (!factory) throw new Error(`this connector has no adapter for provider kind "${provider.kind}" (provider "${provider.name}")`);
  return factory(provider);
}

/** Serves ConnectorService for one provider. */
export async function startConnectorServer(options: ConnectorServerOptions): Promise<ConnectorServer> {
  const { provider, logger } = options;
  const adapter = options.adapter ?? createAdapter(provider);
  const generate = createGenerateHandler({ provider, adapter, logger, metrics: createConnectorMetrics(options.registry) });
  let grpc: RunningServer;
  try {
    grpc = await startGrpcServer(
      options.host,
      options.port,
      (server) => server.add(ConnectorService, { generate }),
      (error, method) => logger.error({ err: error, method }, "grpc handler failed"),
      options.socketPath,
    );
  } catch (error) {
    await adapter.close?.();
    throw error;
  }
  return {
    port: grpc.port,
    inFlight: () => grpc.inFlight(),
    async shutdown(graceMs) {
      await grpc.shutdown(graceMs);
      await adapter.close?.();
    },
  };
}
