import { exposureProblem, loadConfig, readEnv } from "@switchyard/config";
import { createLogger, createRegistry, exitOnStartFailure, onShutdown } from "@switchyard/telemetry";
import { buildApp } from "./app.js";
import { connectMesh } from "./mesh/clients.js";

const bootLogger = createLogger("ingress");
try {
  const env = readEnv();
  const logger = createLogger("ingress", env.LOG_LEVEL);
  const config = loadConfig(env.SWITCHYARD_CONFIG);
  const exposure = exposureProblem(config, env.SWITCHYARD_HOST);
  if (exposure) throw Object.assign(new Error(exposure), { name: "ConfigError" });

  const registry = createRegistry("ingress");
  const mesh = await connectMesh(env, config, logger);
  const app = buildApp({ config, mesh, logger, registry });
  await app.listen({ host: env.SWITCHYARD_HOST, port: Number(env.SWITCHYARD_PORT) });
  logger.info({ url: `http://${env.SWITCHYARD_HOST}:${env.SWITCHYARD_PORT}/v1` }, "ingress listening");

  onShutdown(logger, () => [
    // Stop taking requests, let in-flight ones (streams included) finish, then flush usage events.
    ["http server", () => app.close()],
    ["mesh clients", () => mesh.close()],
  ]);
} catch (error) {
  exitOnStartFailure(bootLogger, error);
}
