// `npm start`: install and build if needed, make sure NATS and Redis answer (starting them from
// PATH when they do not), then run every service as its own supervised process with prefixed logs.
// SIGINT, SIGTERM or SIGHUP (or the parent going away) stop every service and the servers started here.

import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build, ensureInstalled, ROOT } from "./bootstrap.mjs";

let mesh;
let infra;
let stopping;
const aborter = new AbortController();

/** Stops whatever is running, once, then exits with `code`. */
function shutdown(why, code = 0) {
  stopping ??= (async () => {
    if (why) console.log(`\n› ${why}: stopping the mesh…`);
    aborter.abort();
    // A mesh still starting stops itself on the abort; wait for that before stopping NATS and Redis.
    await starting?.catch(() => undefined);
    await mesh?.stop().catch((error) => console.error(`✖ stopping the mesh: ${error.message}`));
    await infra?.stop().catch((error) => console.error(`✖ stopping NATS/Redis: ${error.message}`));
    process.exit(code);
  })();
  return stopping;
}
let starting;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => void shutdown(`${signal} received`));
// npm runs this script under `sh -c`, and sh dies of a SIGTERM sent to npm without passing it on:
// a parent that goes away is a stop too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown("the parent process exited");
}, 500).unref();

function fail(message) {
  console.error(`\n✖ ${message}`);
  return shutdown(undefined, 1);
}

ensureInstalled();
await build();
if (stopping) await stopping;

const { ensureInfra, startMesh, parseReplicaCounts, portsFromEnv, PORT_VARIABLES } = await import(
  pathToFileURL(join(ROOT, "packages/mesh/dist/index.js")).href
);
const { readEnv, loadConfig, DEV_ADMIN_KEY } = await import(pathToFileURL(join(ROOT, "packages/config/dist/index.js")).href);

let env;
let configPath;
let config;
let connectorReplicas;
let portSettings;
try {
  env = readEnv();
  // Relative paths are the repository's; an absolute one is taken as it is.
  configPath = isAbsolute(env.SWITCHYARD_CONFIG) ? env.SWITCHYARD_CONFIG : resolve(ROOT, env.SWITCHYARD_CONFIG);
  config = loadConfig(configPath);
  // Replicas per connector group: `npm start -- --replicas openai=2,mock=1` or SWITCHYARD_CONNECTOR_REPLICAS.
  const flag = process.argv.indexOf("--replicas");
  connectorReplicas = parseReplicaCounts(flag >= 0 ? process.argv[flag + 1] : process.env.SWITCHYARD_CONNECTOR_REPLICAS);
  portSettings = portsFromEnv(process.env);
} catch (error) {
  await fail(error.message);
}

console.log(`› config ${configPath}`);
for (const provider of Object.values(config.providers)) {
  if (!provider.enabled)
    console.log(
      `› provider "${provider.name}" is off: ${provider.disabled_reason ?? "a secret it needs is missing"}; set it and restart to serve its models`,
    );
}

try {
  infra = await ensureInfra(env.NATS_URL, env.REDIS_URL, join(ROOT, ".switchyard"));
} catch (error) {
  await fail(error.message);
}
for (const what of infra.reused) console.log(`› using the ${what} that is already running`);
for (const what of infra.started) console.log(`› started ${what} (stops with the mesh)`);
if (stopping) await stopping;

starting = startMesh({
  configPath,
  natsUrl: env.NATS_URL,
  redisUrl: env.REDIS_URL,
  host: env.SWITCHYARD_HOST,
  ingressPort: Number(env.SWITCHYARD_PORT),
  portSettings,
  logLevel: env.LOG_LEVEL,
  redisPrefix: env.SWITCHYARD_REDIS_PREFIX,
  logs: "pretty",
  connectorReplicas,
  signal: aborter.signal,
  onSupervision: (event) => {
    if (event.kind === "restarting") {
      const loop = event.quickCrashes > 1 ? `, crash ${event.quickCrashes} in a row` : "";
      console.error(`✖ ${event.name} stopped (${event.exit}${loop}); restarting it in ${event.inMs} ms`);
    } else if (event.kind === "restarted") console.log(`✔ ${event.name} is back (restart ${event.restarts})`);
    else {
      const log = event.lastLog
        .slice(-5)
        .map((line) => `    ${line}`)
        .join("\n");
      console.error(`✖ gave up on ${event.name}: it ${event.reason} (last: ${event.exit}). Its last log lines:\n${log || "    (none)"}`);
    }
  },
});
try {
  mesh = await starting;
} catch (error) {
  if (!stopping) await fail(`the mesh did not start: ${error.message}`);
  await stopping;
}

const base = `${mesh.baseUrl}/v1`;
const portLines = mesh.processes
  .map(
    (p) =>
      `${p.name.padEnd(22)}${p.grpcPort ? `grpc ${mesh.host}:${p.grpcPort}   ` : ""}${p.name === "ingress" ? `http ${mesh.host}:${mesh.ingressPort}   ` : ""}ops ${new URL(p.opsUrl).host}`,
  )
  .join("\n                    ");
console.log(`
  Switchyard is running.

  OpenAI base URL   ${base}
  API key           ${DEV_ADMIN_KEY}

  curl ${base}/chat/completions \\
    -H "Authorization: Bearer ${DEV_ADMIN_KEY}" -H "Content-Type: application/json" \\
    -d '{"model":"mock-echo","messages":[{"role":"user","content":"Hello from Switchyard"}]}'

  Usage events:     npm run events
  Request log:      curl ${mesh.baseUrl}/admin/logs -H "Authorization: Bearer ${DEV_ADMIN_KEY}"
  Ports:            ${portLines}
                    (set with ${PORT_VARIABLES.ingress.http}, ${PORT_VARIABLES.router.grpc}, … ; 0 for any free port)
  Stop:             Ctrl-C or SIGTERM
`);
