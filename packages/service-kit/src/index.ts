import { type Env, type GatewayConfig, loadConfig, readEnv } from "@switchyard/config";
import {
  createLogger,
  createRegistry,
  exitOnStartFailure,
  type Logger,
  type OpsServerOptions,
  onShutdown,
  type Registry,
  type ShutdownStep,
  startOpsServer,
  startTracing,
} from "@switchyard/telemetry";

export interface ServiceContext {
  env: Env;
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
}

export interface StartedService {
  /** Problems that make the service unready; empty when ready. */
  readiness(): Promise<string[]> | string[];
  /** Run in order on SIGTERM: stop intake, drain, close clients. */
  shutdown: ShutdownStep[];
  /** Logged once the service is up. */
  details?: Record<string, unknown>;
  /** More GET routes on the ops port (see OpsServerOptions.routes). */
  routes?: OpsServerOptions["routes"];
}

/**
 * The life of a backend service process: read env and config, start it, serve /healthz,
 * /readyz and /metrics on OPS_PORT, and stop it gracefully on a signal. A start failure is
 * logged (a config problem without a stack trace) and exits non-zero.
 */
export interface ServiceOptions {
  /** The service reads `config.keys`; the others get an empty list and skip parsing it (see `loadConfig`). */
  needsKeys?: boolean;
}

export async function runService(
  name: string,
  defaultOpsPort: number,
  start: (context: ServiceContext) => Promise<StartedService>,
  options: ServiceOptions = {},
): Promise<void> {
  let logger = createLogger(name);
  try {
    const env = readEnv();
    logger = createLogger(name, env.LOG_LEVEL);
    const config = loadConfig(env.SWITCHYARD_CONFIG, process.env, { withoutKeys: options.needsKeys !== true });
    const registry = createRegistry(name);
    const tracing = await startTracing(name);
    const service = await start({ env, config, logger, registry });
    const ops = await startOpsServer({
      host: env.GRPC_HOST,
      port: env.OPS_PORT === undefined ? defaultOpsPort : Number(env.OPS_PORT),
      registry,
      readiness: () => service.readiness(),
      ...(service.routes ? { routes: service.routes } : {}),
    });
    onShutdown(logger, () => [...service.shutdown, ["ops server", () => ops.close()], ["tracing", () => tracing?.shutdown()]]);
    logger.info({ opsPort: ops.port, ...service.details }, `${name} started`);
  } catch (error) {
    exitOnStartFailure(logger, error);
  }
}
