import type { ProviderConfig } from "@switchyard/config";
import { type RunningServer, startGrpcServer } from "@switchyard/grpc";
import { ConnectorService } from "@switchyard/proto";
import type { Logger, Registry } from "@switchyard/telemetry";
import { createGenerateHandler } from "./generate-handler.js";
import { createConnectorMetrics } from "./metrics.js";
import { adapterFactories } from "./providers/registry.js";
import type { ProviderAdapter } from "./providers/types.js";

export interface ConnectorServerOptions {
  /** The providers this process serves; a call goes to the one its deployment names. */
  providers: ProviderConfig[];
  host: string;
  /** 0 picks a free port; the bound one is in `port`. */
  port: number;
  /** Also serve on this Unix socket (same-host callers). */
  socketPath?: string;
  logger: Logger;
  registry: Registry;
  /** Replaces the adapter the provider's kind selects (tests; one provider). */
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

/** Serves ConnectorService for one or more providers. */
export async function startConnectorServer(options: ConnectorServerOptions): Promise<ConnectorServer> {
  const { providers, logger } = options;
  if (providers.length === 0) throw new Error("a connector serves at least one provider");
  const metrics = createConnectorMetrics(options.registry);
  const adapters = providers.map((provider) => (options.adapter && providers.length === 1 ? options.adapter : createAdapter(provider)));
  const closeAdapters = () => Promise.all(adapters.map((adapter) => adapter.close?.()));
  const handlers = new Map(
    providers.map((provider, i) => [
      provider.name,
      createGenerateHandler({
        provider,
        adapter: adapters[i]!,
        logger: providers.length === 1 ? logger : logger.child({ provider: provider.name }),
        metrics,
      }),
    ]),
  );
  const only = providers.length === 1 ? handlers.get(providers[0]!.name)! : undefined;
  const fallback = handlers.get(providers[0]!.name)!;
  // A deployment of a provider this process does not serve reaches the first handler, which says so.
  const generate: typeof fallback =
    only ?? ((request, call) => (handlers.get(request.deployment?.provider ?? "") ?? fallback)(request, call));
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
    await closeAdapters();
    throw error;
  }
  return {
    port: grpc.port,
    inFlight: () => grpc.inFlight(),
    async shutdown(graceMs) {
      await grpc.shutdown(graceMs);
      await closeAdapters();
    },
  };
}
