import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { announceConnector, connectBus, type NatsConnection } from "@switchyard/bus";
import { loadConfig, portOf, readEnv, SERVICE_PORTS } from "@switchyard/config";
import { createLogger, createRegistry, exitOnStartFailure, onShutdown, startOpsServer, startTracing } from "@switchyard/telemetry";
import { selectProviders } from "./select-provider.js";
import { type ConnectorServer, startConnectorServer } from "./server.js";

/** In-flight streams get this long to finish at shutdown before they are cancelled. */
const DRAIN_GRACE_MS = 10_000;

const env = readEnvOrExit();
const logger = createLogger("connector", env.LOG_LEVEL);

try {
  await main();
} catch (error) {
  exitOnStartFailure(logger, error);
}

async function main(): Promise<void> {
  // Keys are policy's business: skipping them keeps a config with many keys cheap to load here.
  const config = loadConfig(env.SWITCHYARD_CONFIG, process.env, { withoutKeys: true });
  const providers = selectProviders(config, env.PROVIDERS, env.PROVIDER);
  const names = providers.map((p) => p.name);
  const log = providers.length === 1 ? logger.child({ provider: names[0], kind: providers[0]!.kind }) : logger.child({ providers: names });
  const registry = createRegistry("connector");
  const tracing = await startTracing("connector");

  let server: ConnectorServer | undefined;
  let nats: NatsConnection | undefined;
  let natsUp = false;
  let stopping = false;
  let announcements: { leave(): void }[] = [];

  const ops = await startOpsServer({
    host: env.GRPC_HOST,
    port: portOf(env.OPS_PORT, SERVICE_PORTS.connector.ops),
    registry,
    readiness: () => [
      ...(stopping ? ["shutting down"] : []),
      ...(server ? [] : ["grpc server not bound"]),
      ...(natsUp ? [] : ["nats not connected"]),
    ],
  });

  onShutdown(log, () => [
    [
      "leave the connector registry",
      async () => {
        stopping = true;
        for (const announcement of announcements) announcement.leave();
        await nats?.flush();
      },
    ],
    ["drain in-flight streams", () => server?.shutdown(DRAIN_GRACE_MS)],
    ["close nats", () => nats?.drain()],
    ["close ops server", () => ops.close()],
    ["tracing", () => tracing?.shutdown()],
  ]);

  server = await startConnectorServer({
    providers,
    host: env.GRPC_HOST,
    port: portOf(env.GRPC_PORT, SERVICE_PORTS.connector.grpc),
    ...(env.GRPC_SOCKET ? { socketPath: env.GRPC_SOCKET } : {}),
    logger: log,
    registry,
  });

  log.info({ grpc_port: server.port }, "grpc server bound; connecting to nats");
  nats = await connectBus(env.NATS_URL, `connector-${names.join("+")}`, log);
  natsUp = true;
  void trackNats(nats, (up) => (natsUp = up));

  // On a Unix socket only callers on this host can reach us; the launcher sets it for local meshes.
  const address = env.GRPC_SOCKET
    ? `unix://${env.GRPC_SOCKET}`
    : `${advertiseHost(env.CONNECTOR_ADVERTISE_HOST, env.GRPC_HOST)}:${server.port}`;
  // One registration per provider, all at this address: the ingress shares one channel per address.
  const suffix = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const connection = nats;
  if (!stopping) announcements = names.map((name) => announceConnector(connection, { id: `${name}-${suffix}`, provider: name, address }));
  log.info({ providers: names, address, grpc_port: server.port, ops_port: ops.port }, "connector ready");
}

/** Follows the NATS connection so readiness tells the truth during reconnects. */
async function trackNats(connection: NatsConnection, set: (up: boolean) => void): Promise<void> {
  for await (const status of connection.status()) {
    if (status.type === "disconnect") set(false);
    else if (status.type === "reconnect") set(true);
  }
  set(false);
}

/** A wildcard bind address cannot be dialled from elsewhere; advertise the host name instead. */
function advertiseHost(configured: string | undefined, bindHost: string): string {
  const host = configured ?? (bindHost === "0.0.0.0" || bindHost === "::" ? hostname() : bindHost);
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function readEnvOrExit() {
  try {
    return readEnv();
  } catch (error) {
    exitOnStartFailure(createLogger("connector"), error);
  }
}
