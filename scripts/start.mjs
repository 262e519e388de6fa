// `npm start`: install and build if needed, make sure NATS and Redis answer (starting them from
// PATH when they do not), then run every service as its own process with prefixed logs.
import { build, ensureInstalled, ROOT } from "./bootstrap.mjs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

ensureInstalled();
build();

const { ensureInfra, startMesh, parseReplicaCounts, MissingDependencyError } = await import(pathToFileURL(join(ROOT, "packages/mesh/dist/index.js")).href);
const { readEnv, DEV_ADMIN_KEY } = await import(pathToFileURL(join(ROOT, "packages/config/dist/index.js")).href);

let env;
try {
  env = readEnv();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

// Replicas per connector group: `npm start -- --replicas openai=2,mock=1` or SWITCHYARD_CONNECTOR_REPLICAS.
let connectorReplicas;
try {
  const flag = process.argv.indexOf("--replicas");
  connectorReplicas = parseReplicaCounts(flag >= 0 ? process.argv[flag + 1] : process.env.SWITCHYARD_CONNECTOR_REPLICAS);
} catch (error) {
  console.error(`✖ ${error.message}`);
  process.exit(1);
}

let infra;
try {
  infra = await ensureInfra(env.NATS_URL, env.REDIS_URL, join(ROOT, ".switchyard"));
} catch (error) {
  console.error(`\n✖ ${error instanceof MissingDependencyError ? error.message : error}`);
  process.exit(1);
}
for (const what of infra.started) console.log(`› started ${what} (stops with the mesh)`);

let mesh;
try {
  mesh = await startMesh({
    configPath: join(ROOT, env.SWITCHYARD_CONFIG),
    natsUrl: env.NATS_URL,
    redisUrl: env.REDIS_URL,
    host: env.SWITCHYARD_HOST,
    ingressPort: Number(env.SWITCHYARD_PORT),
    logLevel: env.LOG_LEVEL,
    redisPrefix: env.SWITCHYARD_REDIS_PREFIX,
    logs: "pretty",
    connectorReplicas,
    onUnexpectedExit: (name, code) => console.error(`✖ ${name} exited unexpectedly (code ${code})`),
  });
} catch (error) {
  console.error(`\n✖ the mesh did not start: ${error.message}`);
  await infra.stop();
  process.exit(1);
}

const base = `${mesh.baseUrl}/v1`;
console.log(`
  Switchyard is running.

  OpenAI base URL   ${base}
  API key           ${DEV_ADMIN_KEY}

  curl ${base}/chat/completions \\
    -H "Authorization: Bearer ${DEV_ADMIN_KEY}" -H "Content-Type: application/json" \\
    -d '{"model":"mock-echo","messages":[{"role":"user","content":"Hello from Switchyard"}]}'

  Usage events:     npm run events
  Request log:      curl ${mesh.baseUrl}/admin/logs -H "Authorization: Bearer ${DEV_ADMIN_KEY}"
  Stop:             Ctrl-C
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log("\n› stopping the mesh…");
  await mesh.stop();
  await infra.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
