import { isLoopback, loadConfig, readEnv } from "@switchyard/config";
import { PolicyService, RouterService } from "@switchyard/proto";
import { createLogger, createRegistry, exitOnStartFailure, onShutdown, startTracing } from "@switchyard/telemetry";
import { buildApp } from "./app.js";
import { connectMesh } from "./mesh/clients.js";
import { devKeyExposure } from "./mesh/dev-key-check.js";
import { GrpcClientMetrics, instrumentClient, registerPublisherMetrics } from "./observe/index.js";
import { startIngressOps } from "./ops.js";
import { connectionLimitsFrom } from "./plugins/connection-limits.js";

const bootLogger = createLogger("ingress");
try {
  const env = readEnv();
  const logger = createLogger("ingress", env.LOG_LEVEL);
  // The key list is policy's business; the ingress asks policy about the one key it must refuse.
  const config = loadConfig(env.SWITCHYARD_CONFIG, process.env, { withoutKeys: true });

  const registry = createRegistry("ingress");
  const tracing = await startTracing("ingress");
  const mesh = await connectMesh(env, config, logger);
  const grpcMetrics = new GrpcClientMetrics(registry);
  mesh.policy = instrumentClient(mesh.policy, PolicyService, grpcMetrics);
  mesh.router = instrumentClient(mesh.router, RouterService, grpcMetrics);
  registerPublisherMetrics(registry, mesh.publisher);
  if (!isLoopback(env.SWITCHYARD_HOST)) {
    const exposure = await devKeyExposure(mesh.policy, env.SWITCHYARD_HOST, env.SWITCHYARD_CONFIG, logger);
    if (exposure) throw Object.assign(new Error(exposure), { name: "ConfigError" });
  }
  const app = buildApp({ config, mesh, logger, registry, connections: connectionLimitsFrom(env) });
  await app.listen({ host: env.SWITCHYARD_HOST, port: Number(env.SWITCHYARD_PORT) });
  const ops = await startIngressOps(env, mesh, registry);
  logger.info({ url: `http://${env.SWITCHYARD_HOST}:${env.SWITCHYARD_PORT}/v1`, opsPort: ops.port }, "ingress listening");

  onShutdown(logger, () => [
    // Stop taking requests, let in-flight ones (streams included) finish, then flush usage events.
    ["http server", () => app.close()],
    ["mesh clients", () => mesh.close()],
    ["tracing", () => tracing?.shutdown()],
    ["ops server", () => ops.close()],
  ]);
} catch (error) {
  exitOnStartFailure(bootLogger, error);
}
