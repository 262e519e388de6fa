import { isLoopback, loadConfig, readEnv } from "@switchyard/config";
import { createLogger, createRegistry, exitOnStartFailure, onShutdown } from "@switchyard/telemetry";
import { buildApp } from "./app.js";
import { connectMesh } from "./mesh/clients.js";
import { devKeyExposure } from "./mesh/dev-key-check.js";
import { startIngressOps } from "./ops.js";

const bootLogger = createLogger("ingress");
try {
  const env = readEnv();
  const logger = createLogger("ingress", env.LOG_LEVEL);
  // The key list is policy's business; the ingress asks policy about the one key it must refuse.
  const config = loadConfig(env.SWITCHYARD_CONFIG, process.env, { withoutKeys: true });

  const registry = createRegistry("ingress");
  const mesh = await connectMesh(env, config, logger);
  if (!isLoopback(env.SWITCHYARD_HOST)) {
    const exposure = await devKeyExposure(mesh.policy, env.SWITCHYARD_HOST, env.SWITCHYARD_CONFIG, logger);
    if (exposure) throw Object.assign(new Error(exposure), { name: "ConfigError" });
  }
  const app = buildApp({ config, mesh, logger, registry });
  await app.listen({ host: env.SWITCHYARD_HOST, port: Number(env.SWITCHYARD_PORT) });
  const ops = await startIngressOps(env, mesh, registry);
  logger.info({ url: `http://${env.SWITCHYARD_HOST}:${env.SWITCHYARD_PORT}/v1`, opsPort: ops.port }, "ingress listening");

  onShutdown(logger, () => [
    // Stop taking requests, let in-flight ones (streams included) finish, then flush usage events.
    ["http server", () => app.close()],
    ["mesh clients", () => mesh.close()],
    ["ops server", () => ops.close()],
  ]);
} catch (error) {
  exitOnStartFailure(bootLogger, error);
}
