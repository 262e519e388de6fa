// Checks deploy/ (Dockerfile, docker-compose.yml, Kubernetes manifests) against the code it runs:
// service entry points, the environment variables EnvSchema declares, SERVICE_PORTS, and the
// providers of the config the containers mount. Nothing here needs Docker or a cluster.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  EnvSchema,
  exposureProblem,
  type GatewayConfig,
  parseConfig,
  readEnv,
  SERVICE_NODE_FLAGS,
  SERVICE_PORTS,
  withoutTopLevelSection,
} from "@switchyard/config";
import { parse, parseAllDocuments } from "yaml";

// test/dist/deploy.test.js → the repository root.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DEPLOY = join(ROOT, "deploy");
const COMPOSE_FILE = join(DEPLOY, "docker-compose.yml");
const DOCKERFILE = join(DEPLOY, "Dockerfile");
const DOCKERIGNORE = join(DEPLOY, "Dockerfile.dockerignore");
const K8S_DIR = join(DEPLOY, "k8s");

type ServiceName = keyof typeof SERVICE_PORTS;
const SERVICE_NAMES = Object.keys(SERVICE_PORTS) as ServiceName[];
const DECLARED_ENV = new Set(Object.keys(EnvSchema.properties));
const FAKE_ADMIN_KEY = "sk-deploy-test-0123456789abcdef";
const FAKE_MESH_SECRET = "deploy-test-mesh-secret-0123456789abcdef";
/** The services that make or serve gRPC calls: the ones that need the mesh secret. */
const GRPC_PEERS = new Set<ServiceName>(SERVICE_NAMES.filter((name) => name === "ingress" || "grpc" in SERVICE_PORTS[name]));

type Json = unknown;
const isRecord = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);
const asRecord = (v: Json, what: string): Record<string, Json> => {
  assert.ok(isRecord(v), `${what} must be a mapping`);
  return v;
};
const asArray = (v: Json, what: string): Json[] => {
  assert.ok(Array.isArray(v), `${what} must be a list`);
  return v;
};

/** Setup that runs on first use, so a failure fails the tests that need it, not the file. */
function lazy<T>(make: () => T): () => T {
  let result: { value: T } | { error: unknown } | undefined;
  return () => {
    if (!result) {
      try {
        result = { value: make() };
      } catch (error) {
        result = { error };
      }
    }
    if ("error" in result) throw result.error;
    return result.value;
  };
}

// ── shared knowledge about the code ─────────────────────────────────────────────────────────────

/**
 * `node [flags] services/<name>/dist/main.js` → `<name>`, after checking the entry point's source
 * exists and that the flags are the service's SERVICE_NODE_FLAGS, as the launcher passes them.
 */
function serviceOfCommand(command: Json, where: string): ServiceName {
  const argv = typeof command === "string" ? command.trim().split(/\s+/) : asArray(command, `${where} command`).map(String);
  assert.equal(argv[0], "node", `${where}: the command must run node, got ${JSON.stringify(argv)}`);
  const entry = argv.find((a) => a.startsWith("services/"));
  const match = /^services\/([^/]+)\/dist\/main\.js$/.exec(entry ?? "");
  assert.ok(match, `${where}: the command must run services/<name>/dist/main.js, got ${JSON.stringify(argv)}`);
  const name = match[1]!;
  assert.ok(existsSync(join(ROOT, "services", name, "src", "main.ts")), `${where}: services/${name}/src/main.ts does not exist`);
  assert.ok(SERVICE_NAMES.includes(name as ServiceName), `${where}: services/${name} has no SERVICE_PORTS entry`);
  const flags = argv.slice(1, argv.indexOf(entry!));
  assert.deepEqual(
    flags,
    SERVICE_NODE_FLAGS[name as ServiceName] ?? [],
    `${where}: node's flags must be SERVICE_NODE_FLAGS.${name} (packages/config/src/env.ts)`,
  );
  return name as ServiceName;
}

/** The `${VAR}` references in every string value of a parsed config (comments excluded). */
function configReferences(tree: Json, path: string[] = [], out: { variable: string; path: string[] }[] = []) {
  if (typeof tree === "string") {
    for (const m of tree.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-[^}]*)?\}/g)) out.push({ variable: m[1]!, path });
  } else if (Array.isArray(tree)) tree.forEach((item, i) => configReferences(item, [...path, String(i)], out));
  else if (isRecord(tree)) for (const [k, v] of Object.entries(tree)) configReferences(v, [...path, k], out);
  return out;
}

interface MountedConfig {
  file: string;
  text: string;
  /** Every variable the config references. */
  variables: Set<string>;
  /** Variables referenced under providers.<name>, by provider. */
  providerSecrets: Map<string, Set<string>>;
  /** Parsed with every referenced variable set to a fake value. */
  full: GatewayConfig;
}

function loadMountedConfig(file: string): MountedConfig {
  assert.ok(existsSync(file), `mounted config ${file} does not exist`);
  return mountedConfig(readFileSync(file, "utf8"), file);
}

function mountedConfig(text: string, file: string): MountedConfig {
  const refs = configReferences(parse(text));
  const variables = new Set(refs.map((r) => r.variable));
  const providerSecrets = new Map<string, Set<string>>();
  for (const r of refs.filter((r) => r.path[0] === "providers" && r.path[1])) {
    providerSecrets.set(r.path[1]!, (providerSecrets.get(r.path[1]!) ?? new Set()).add(r.variable));
  }
  const fakeEnv = Object.fromEntries(
    [...variables].map((v) => [v, v === "SWITCHYARD_ADMIN_KEY" ? FAKE_ADMIN_KEY : `fake-${v.toLowerCase()}`]),
  );
  const full = parseConfig(text, file, fakeEnv);
  return { file, text, variables, providerSecrets, full };
}

/** An env var's value, or `undefined` when it comes from elsewhere (a Secret, the downward API). */
type ServiceEnv = Map<string, string | undefined>;

interface NodeWorkload {
  where: string;
  /** Host name peers use to reach it (compose service or Kubernetes Service). */
  hosts: string[];
  service: ServiceName;
  env: ServiceEnv;
}

/** What every orchestrator must get right for each Switchyard process. */
function checkNodeWorkload(w: NodeWorkload, config: MountedConfig) {
  for (const name of w.env.keys()) {
    assert.ok(
      DECLARED_ENV.has(name) || config.variables.has(name),
      `${w.where}: ${name} is neither declared in packages/config/src/env.ts (EnvSchema) nor referenced by the config ${config.file}`,
    );
  }
  // The values must pass the same validation the service runs at start.
  const literal = Object.fromEntries([...w.env].filter(([, v]) => v !== undefined)) as Record<string, string>;
  const env = readEnv(literal);

  if (w.service !== "ingress") {
    assert.equal(env.GRPC_HOST, "0.0.0.0", `${w.where}: GRPC_HOST must be 0.0.0.0 in a container (it binds gRPC and ops there)`);
  }
  const ports = SERVICE_PORTS[w.service] as { http?: number; grpc?: number; ops?: number };
  if (w.service === "ingress") {
    assert.equal(env.SWITCHYARD_HOST, "0.0.0.0", `${w.where}: SWITCHYARD_HOST must be 0.0.0.0 in a container`);
    assert.equal(Number(env.SWITCHYARD_PORT), ports.http, `${w.where}: SWITCHYARD_PORT`);
    for (const variable of ["SWITCHYARD_POLICY_ADDR", "SWITCHYARD_CACHE_ADDR", "SWITCHYARD_ROUTER_ADDR"] as const) {
      assert.ok(w.env.has(variable), `${w.where}: ${variable} must be set (its default is loopback)`);
    }
  } else {
    assert.equal(
      w.env.get("GRPC_PORT") ?? String(ports.grpc ?? ""),
      String(ports.grpc ?? ""),
      `${w.where}: GRPC_PORT must be SERVICE_PORTS.${w.service}.grpc`,
    );
    assert.equal(Number(w.env.get("OPS_PORT") ?? ports.ops), ports.ops, `${w.where}: OPS_PORT must be SERVICE_PORTS.${w.service}.ops`);
  }

  // Secrets: the admin key (the config's key list) for policy only, the mesh secret for gRPC peers only.
  assert.equal(
    w.env.has("SWITCHYARD_ADMIN_KEY"),
    w.service === "policy",
    `${w.where}: SWITCHYARD_ADMIN_KEY goes to policy and nowhere else`,
  );
  assert.equal(
    w.env.has("SWITCHYARD_MESH_SECRET"),
    GRPC_PEERS.has(w.service),
    `${w.where}: SWITCHYARD_MESH_SECRET goes to the services that make or serve gRPC calls, and only to them`,
  );

  // The config loads in this service's environment (as the service loads it: only policy reads the
  // key list), and the ingress may serve it off loopback.
  const text = w.service === "policy" ? config.text : withoutTopLevelSection(config.text, "keys");
  const seen = parseConfig(text, config.file, { ...literal, ...fillSecrets(w.env) });
  assert.equal(exposureProblem(seen, "0.0.0.0"), undefined, `${w.where}: the mounted config must not hold the dev key`);

  if (w.service === "connector") {
    const provider = env.PROVIDER;
    assert.ok(provider, `${w.where}: a connector needs PROVIDER`);
    assert.ok(
      config.full.providers[provider],
      `${w.where}: PROVIDER=${provider} is not a provider in ${config.file} (known: ${Object.keys(config.full.providers).join(", ")})`,
    );
    assert.ok(seen.providers[provider]?.enabled, `${w.where}: provider ${provider} is disabled in the connector's own environment`);
  } else {
    assert.equal(w.env.get("PROVIDER"), undefined, `${w.where}: PROVIDER is for connectors only`);
  }

  // Provider secrets live only with the connector of that provider.
  for (const [provider, secrets] of config.providerSecrets) {
    for (const secret of secrets) {
      if (!w.env.has(secret)) continue;
      assert.ok(w.service === "connector" && env.PROVIDER === provider, `${w.where}: ${secret} belongs to connector-${provider} only`);
    }
  }
}

/** Secrets whose value the orchestrator injects: a fake stands in so the config can be parsed. */
function fillSecrets(env: ServiceEnv): Record<string, string> {
  return Object.fromEntries(
    [...env].filter(([, v]) => v === undefined).map(([k]) => [k, k === "SWITCHYARD_ADMIN_KEY" ? FAKE_ADMIN_KEY : `fake-${k}`]),
  );
}

/** `host:port` of a peer address must reach a workload running `service` on its gRPC port. */
function checkPeerAddress(value: string | undefined, service: ServiceName, workloads: NodeWorkload[], where: string) {
  assert.ok(value, `${where}: address for ${service} missing`);
  const [host, port] = value.split(":");
  const target = workloads.find((w) => w.hosts.includes(host!));
  assert.ok(target, `${where}: ${value} names no workload (known: ${workloads.flatMap((w) => w.hosts).join(", ")})`);
  assert.equal(target.service, service, `${where}: ${value} reaches ${target.service}, not ${service}`);
  assert.equal(
    Number(port),
    (SERVICE_PORTS[service] as { grpc?: number }).grpc,
    `${where}: ${value} must use SERVICE_PORTS.${service}.grpc`,
  );
}

/**
 * Who connects to whom, read from the services' sources: the gRPC clients of every gRPC service,
 * and the clients of NATS and Redis. A service that starts using one of them fails the network
 * checks below until the NetworkPolicies and compose networks admit it.
 */
const PEERS = lazy(() => {
  const sourceOf = (service: ServiceName) => {
    const dir = join(ROOT, "services", service, "src");
    return (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
  };
  const sources = new Map(SERVICE_NAMES.map((name) => [name, sourceOf(name)]));
  const using = (pattern: RegExp) => SERVICE_NAMES.filter((name) => pattern.test(sources.get(name)!));
  const grpcClients = using(/\bcreateClient\(/);
  assert.deepEqual(grpcClients, ["ingress"], "the ingress is the only gRPC client (the scan reads createClient calls)");
  const callers = new Map<string, { clients: string[]; port: number }>([
    ["nats", { clients: using(/\bconnectBus\(|\brunUsageConsumer\(/), port: 4222 }],
    ["redis", { clients: using(/\bREDIS_URL\b|\brunUsageConsumer\(/), port: 6379 }],
  ]);
  for (const name of SERVICE_NAMES) {
    const grpc = (SERVICE_PORTS[name] as { grpc?: number }).grpc;
    if (grpc) callers.set(name, { clients: grpcClients, port: grpc });
  }
  assert.ok(callers.get("nats")!.clients.length >= 3 && callers.get("redis")!.clients.length >= 3, "the scan finds NATS and Redis clients");
  return callers;
});

// ── docker compose ──────────────────────────────────────────────────────────────────────────────

/** Compose's variable interpolation ($$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}). */
function interpolateCompose(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, name, colon, op, arg, bare) => {
      if (whole === "$$") return "$";
      const variable: string = name ?? bare;
      const value = env[variable];
      const unset = value === undefined || (colon === ":" && value === "");
      if (op === "-") return unset ? arg : value!;
      if (op === "?") {
        if (unset) throw new Error(`required variable ${variable} is missing a value: ${arg}`);
        return value!;
      }
      return value ?? "";
    },
  );
}

function interpolateTree(tree: Json, env: Record<string, string | undefined>): Json {
  if (typeof tree === "string") return interpolateCompose(tree, env);
  if (Array.isArray(tree)) return tree.map((t) => interpolateTree(t, env));
  if (isRecord(tree)) return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, interpolateTree(v, env)]));
  return tree;
}

function loadCompose(env: Record<string, string | undefined>) {
  const raw: Json = parse(readFileSync(COMPOSE_FILE, "utf8"), { merge: true });
  return asRecord(interpolateTree(raw, env), "docker-compose.yml");
}

function composeEnv(service: Record<string, Json>, where: string): ServiceEnv {
  const env: ServiceEnv = new Map();
  const environment = service.environment;
  if (environment === undefined) return env;
  if (Array.isArray(environment)) {
    for (const item of environment) {
      const [k, ...v] = String(item).split("=");
      env.set(k!, v.length ? v.join("=") : undefined);
    }
  } else {
    for (const [k, v] of Object.entries(asRecord(environment, `${where} environment`))) env.set(k, v === null ? undefined : String(v));
  }
  assert.equal(service.env_file, undefined, `${where}: env_file hides variables from this check; use environment`);
  return env;
}

function healthcheckPort(service: Record<string, Json>, where: string): number {
  const test = asArray(asRecord(service.healthcheck, `${where} healthcheck`).test, `${where} healthcheck.test`).map(String);
  const script = test.join(" ");
  const match = /http:\/\/127\.0\.0\.1:(\d+)\/readyz/.exec(script);
  assert.ok(match, `${where}: the healthcheck must GET http://127.0.0.1:<port>/readyz, got ${script}`);
  assert.equal(test[0], "CMD", `${where}: healthcheck in exec form`);
  assert.equal(test[1], "node", `${where}: the slim image has no curl; the healthcheck runs node`);
  return Number(match[1]);
}

function publishedPorts(service: Record<string, Json>, where: string): { hostIp?: string; published?: string; target: number }[] {
  return (service.ports === undefined ? [] : asArray(service.ports, `${where} ports`)).map((p) => {
    if (isRecord(p))
      return {
        hostIp: p.host_ip as string | undefined,
        published: p.published === undefined ? undefined : String(p.published),
        target: Number(p.target),
      };
    const parts = String(p).split("/")[0]!.split(":");
    const target = Number(parts.pop());
    const published = parts.pop();
    const hostIp = parts.length ? parts.join(":") : undefined;
    return { ...(hostIp ? { hostIp } : {}), ...(published ? { published } : {}), target };
  });
}

describe("deploy/docker-compose.yml", () => {
  const setup = lazy(() => {
    const compose = loadCompose({ SWITCHYARD_ADMIN_KEY: FAKE_ADMIN_KEY, SWITCHYARD_MESH_SECRET: FAKE_MESH_SECRET });
    const services = asRecord(compose.services, "services");
    const nodeServices = Object.entries(services)
      .map(([name, s]) => [name, asRecord(s, name)] as const)
      // Everything built from deploy/Dockerfile is a Switchyard service.
      .filter(([, s]) => s.build !== undefined);
    const workloads: NodeWorkload[] = nodeServices.map(([name, s]) => ({
      where: `compose service ${name}`,
      hosts: [name],
      service: serviceOfCommand(s.command, `compose service ${name}`),
      env: composeEnv(s, `compose service ${name}`),
    }));

    const configFile = (() => {
      const paths = new Set(workloads.map((w) => w.env.get("SWITCHYARD_CONFIG")));
      assert.equal(paths.size, 1, `every service must read the same config, got ${[...paths].join(", ")}`);
      const target = [...paths][0];
      assert.ok(target, "SWITCHYARD_CONFIG must be set (the default is the dev config)");
      const sources = new Set(
        nodeServices.map(([name, s]) => {
          const mount = asArray(s.volumes ?? [], `${name} volumes`)
            .map((v) =>
              isRecord(v)
                ? { source: String(v.source), target: String(v.target) }
                : { source: String(v).split(":")[0]!, target: String(v).split(":")[1]! },
            )
            .find((v) => v.target === target || target.startsWith(`${v.target}/`));
          assert.ok(mount, `compose service ${name}: nothing is mounted at SWITCHYARD_CONFIG=${target}`);
          return resolve(DEPLOY, mount.source, posix.relative(mount.target, target));
        }),
      );
      assert.equal(sources.size, 1, `every service must mount the same config file, got ${[...sources].join(", ")}`);
      return [...sources][0]!;
    })();
    const config = loadMountedConfig(configFile);
    return { services, nodeServices, workloads, config };
  });

  test("runs every service of the mesh from an existing entry point", () => {
    const { nodeServices, workloads } = setup();
    assert.deepEqual(new Set(workloads.map((w) => w.service)), new Set(SERVICE_NAMES));
    for (const [name, s] of nodeServices) {
      const build = asRecord(s.build, `${name} build`);
      assert.equal(resolve(DEPLOY, String(build.context)), ROOT, `${name}: the build context is the repository root`);
      assert.ok(existsSync(join(ROOT, String(build.dockerfile))), `${name}: ${String(build.dockerfile)} does not exist`);
      assert.equal(resolve(ROOT, String(build.dockerfile)), DOCKERFILE);
      assert.ok(s.restart, `${name}: needs a restart policy`);
    }
  });

  test("sets only declared variables, with values the services accept", () => {
    const { workloads, config } = setup();
    for (const w of workloads) checkNodeWorkload(w, config);
  });

  test("uses SERVICE_PORTS for healthchecks, peers and the published port", () => {
    const { nodeServices, workloads } = setup();
    for (const [name, s] of nodeServices) {
      const w = workloads.find((x) => x.hosts[0] === name)!;
      const ports = SERVICE_PORTS[w.service] as { http?: number; ops?: number };
      assert.equal(healthcheckPort(s, name), ports.ops, `${name}: healthcheck port (readiness is on the ops port)`);
      const published = publishedPorts(s, name);
      if (w.service === "ingress") {
        assert.equal(published.length, 1, "ingress: publishes one port");
        assert.equal(published[0]!.target, SERVICE_PORTS.ingress.http);
        assert.equal(published[0]!.hostIp, "127.0.0.1", "ingress: published on loopback unless asked otherwise");
        assert.equal(published[0]!.published, String(SERVICE_PORTS.ingress.http));
      } else {
        assert.deepEqual(published, [], `${name}: only the ingress publishes a port`);
      }
    }
    const ingress = workloads.find((w) => w.service === "ingress")!;
    checkPeerAddress(ingress.env.get("SWITCHYARD_POLICY_ADDR"), "policy", workloads, "ingress");
    checkPeerAddress(ingress.env.get("SWITCHYARD_CACHE_ADDR"), "cache", workloads, "ingress");
    checkPeerAddress(ingress.env.get("SWITCHYARD_ROUTER_ADDR"), "router", workloads, "ingress");
  });

  test("reaches NATS and Redis by service name and waits for what it needs", () => {
    const { services, nodeServices, workloads } = setup();
    for (const w of workloads) {
      for (const variable of ["NATS_URL", "REDIS_URL"]) {
        const host = new URL(w.env.get(variable)!).hostname;
        assert.ok(services[host], `${w.where}: ${variable} names ${host}, which is not a compose service`);
        assert.ok(asRecord(services[host], host).healthcheck, `${host} needs a healthcheck`);
      }
    }
    const dependsOn = (name: string) => asRecord(asRecord(services[name], name).depends_on ?? {}, `${name} depends_on`);
    const ingressDeps = dependsOn(nodeServices.find(([, s]) => serviceOfCommand(s.command, "") === "ingress")![0]);
    for (const peer of ["policy", "cache", "router", "nats"]) {
      assert.equal(asRecord(ingressDeps[peer], `ingress depends_on.${peer}`).condition, "service_healthy", `ingress waits for ${peer}`);
    }
    for (const [name] of nodeServices) {
      for (const [dep, how] of Object.entries(dependsOn(name))) {
        assert.ok(services[dep], `${name} depends on unknown service ${dep}`);
        if (asRecord(how, `${name}.depends_on.${dep}`).condition === "service_healthy") {
          assert.ok(asRecord(services[dep], dep).healthcheck, `${name} waits for ${dep} to be healthy, which has no healthcheck`);
        }
      }
    }
    const nats = asRecord(services.nats, "nats");
    assert.match(String(nats.image), /^nats:2\.10/);
    const natsArgs = asArray(nats.command, "nats command").map(String);
    assert.ok(natsArgs.includes("-js"), "nats runs JetStream");
    assert.equal(natsArgs[natsArgs.indexOf("-sd") + 1], "/data", "JetStream stores in /data");
    assert.ok(
      asArray(nats.volumes, "nats volumes").some((v) => String(v).endsWith(":/data")),
      "nats keeps /data on a volume",
    );
    assert.match(String(asRecord(services.redis, "redis").image), /^redis:7/);
  });

  test("connectors serve configured providers and can be scaled", () => {
    const { nodeServices, workloads } = setup();
    const connectors = nodeServices.filter(([name]) => workloads.find((w) => w.hosts[0] === name)!.service === "connector");
    const providers = connectors.map(([name]) => workloads.find((w) => w.hosts[0] === name)!.env.get("PROVIDER"));
    assert.deepEqual(new Set(providers), new Set(["mock", "openai"]));
    for (const [name, s] of connectors) {
      assert.equal(s.container_name, undefined, `${name}: a fixed container_name forbids --scale`);
      assert.equal(s.hostname, undefined, `${name}: replicas must keep their own host names`);
      assert.equal(s.ports, undefined, `${name}: a host port forbids --scale`);
      // Each replica must announce an address of its own; a service name resolves to all of them.
      assert.equal(
        workloads.find((w) => w.hosts[0] === name)!.env.get("CONNECTOR_ADVERTISE_HOST"),
        undefined,
        `${name}: a fixed CONNECTOR_ADVERTISE_HOST would be shared by every replica`,
      );
    }
    const openai = connectors.find(([name]) => workloads.find((w) => w.hosts[0] === name)!.env.get("PROVIDER") === "openai")!;
    assert.ok(composeEnv(openai[1], openai[0]).has("OPENAI_API_KEY"), "connector-openai gets OPENAI_API_KEY");
  });

  test("the router plans over every provider a connector serves, without its secret", () => {
    const { workloads, config } = setup();
    const router = workloads.find((w) => w.service === "router")!;
    const seen = parseConfig(withoutTopLevelSection(config.text, "keys"), config.file, Object.fromEntries(router.env));
    for (const provider of workloads.filter((w) => w.service === "connector").map((w) => w.env.get("PROVIDER")!)) {
      assert.ok(seen.providers[provider]?.enabled, `the router sees provider ${provider} disabled, so it would drop its models`);
      assert.ok(
        Object.values(seen.models).some((m) => m.deployments.some((d) => d.provider === provider)),
        `the router knows no model on ${provider}`,
      );
    }
  });

  test("networks admit only each service's callers, as the NetworkPolicies do", () => {
    const { services } = setup();
    const roleOf = (name: string) => {
      const s = asRecord(services[name], name);
      return s.build === undefined ? name : serviceOfCommand(s.command, `compose service ${name}`);
    };
    const networksOf = (name: string) => new Set(asArray(asRecord(services[name], name).networks ?? [], `${name} networks`).map(String));
    const names = Object.keys(services);
    for (const name of names)
      assert.ok(networksOf(name).size > 0, `${name}: joins named networks, not the default one where everything reaches everything`);
    // Each network belongs to one called service: its members are that service and its callers, no one else.
    for (const network of new Set(names.flatMap((name) => [...networksOf(name)]))) {
      const members = names.filter((name) => networksOf(name).has(network));
      const owner = [...PEERS()].find(
        ([server, { clients }]) =>
          members.some((m) => roleOf(m) === server) && members.every((m) => roleOf(m) === server || clients.includes(roleOf(m))),
      );
      assert.ok(owner, `network ${network} (${members.join(", ")}) is no one service's network with its callers`);
    }
    for (const [server, { clients }] of PEERS()) {
      for (const a of names.filter((n) => roleOf(n) === server)) {
        for (const b of names.filter((n) => clients.includes(roleOf(n)))) {
          assert.ok(
            [...networksOf(a)].some((n) => networksOf(b).has(n)),
            `${b} calls ${a}, so they share a network`,
          );
        }
      }
    }
  });

  test("refuses to start without SWITCHYARD_ADMIN_KEY or SWITCHYARD_MESH_SECRET, with a message naming it", () => {
    const { config } = setup();
    assert.throws(() => loadCompose({ SWITCHYARD_MESH_SECRET: FAKE_MESH_SECRET }), /SWITCHYARD_ADMIN_KEY.*set SWITCHYARD_ADMIN_KEY/);
    assert.throws(() => loadCompose({ SWITCHYARD_ADMIN_KEY: FAKE_ADMIN_KEY }), /SWITCHYARD_MESH_SECRET.*set SWITCHYARD_MESH_SECRET/);
    assert.ok(config.variables.has("SWITCHYARD_ADMIN_KEY"), "the mounted config takes its admin key from SWITCHYARD_ADMIN_KEY");
    const withDevKey = loadCompose({ SWITCHYARD_ADMIN_KEY: "sk-switchyard-dev", SWITCHYARD_MESH_SECRET: FAKE_MESH_SECRET });
    const env = composeEnv(asRecord(asRecord(withDevKey.services, "services").policy, "policy"), "policy");
    const seen = parseConfig(config.text, config.file, Object.fromEntries(env));
    assert.match(exposureProblem(seen, "0.0.0.0") ?? "", /development key/, "the ingress guard still catches the dev key");
  });
});

// ── Dockerfile ──────────────────────────────────────────────────────────────────────────────────

interface Instruction {
  op: string;
  args: string;
  line: number;
}

function dockerfileInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!pending && (line === "" || line.startsWith("#"))) return;
    if (pending && line.startsWith("#")) return;
    if (!pending) start = i + 1;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = pending + line;
    pending = "";
    const [op, ...rest] = full.split(/\s+/);
    out.push({ op: op!.toUpperCase(), args: rest.join(" "), line: start });
  });
  return out;
}

/** moby/patternmatcher semantics: last match wins, `!` re-includes, a matched directory excludes its contents. */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const pattern = posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+/, "");
      let re = "";
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i]!;
        if (c === "*" && pattern[i + 1] === "*") {
          i++;
          if (pattern[i + 1] === "/") {
            i++;
            re += "(?:.*/)?";
          } else re += ".*";
        } else if (c === "*") re += "[^/]*";
        else if (c === "?") re += "[^/]";
        else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
      }
      return { negate, re: new RegExp(`^${re}$`) };
    });
  return (path) => {
    const parts = path.split("/");
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) if (prefixes.some((p) => rule.re.test(p))) excluded = !rule.negate;
    return excluded;
  };
}

describe("deploy/Dockerfile", () => {
  const setup = lazy(() => {
    const instructions = dockerfileInstructions(readFileSync(DOCKERFILE, "utf8"));
    const ignored = dockerignore(readFileSync(DOCKERIGNORE, "utf8"));
    const args = new Map(
      instructions
        .filter((i) => i.op === "ARG")
        .map((i) => {
          const [k, v] = i.args.split("=");
          return [k!, v ?? ""];
        }),
    );
    const stages = instructions
      .filter((i) => i.op === "FROM")
      .map((i) => {
        const [image, , name] = i.args.replace(/\$\{(\w+)\}/g, (_, v: string) => args.get(v) ?? "").split(/\s+/);
        return { image, name, line: i.line };
      });
    const stageOf = (line: number) => stages.filter((s) => s.line <= line).at(-1)!;
    const copies = instructions
      .filter((i) => i.op === "COPY")
      .map((i) => {
        const words = i.args.split(/\s+/);
        const flags = words.filter((w) => w.startsWith("--"));
        const paths = words.filter((w) => !w.startsWith("--"));
        const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length);
        return { from, sources: paths.slice(0, -1), dest: paths.at(-1)!, line: i.line };
      });
    const runs = instructions.filter((i) => i.op === "RUN");
    return { instructions, ignored, stages, stageOf, copies, runs };
  });

  test("builds on node:20-bookworm-slim in separate build and runtime stages", () => {
    const { stages, copies } = setup();
    assert.ok(stages.length >= 2, "multi-stage");
    for (const s of stages) assert.equal(s.image, "node:20-bookworm-slim");
    const final = stages.at(-1)!;
    assert.ok(
      copies.some((c) => c.line > final.line && c.from === stages[0]!.name),
      "the runtime stage copies from the build stage",
    );
  });

  test("copies only files that exist and that the build context keeps", () => {
    const { ignored, copies } = setup();
    for (const c of copies.filter((c) => !c.from)) {
      for (const source of c.sources) {
        assert.ok(existsSync(join(ROOT, source)), `COPY ${source} (line ${c.line}): no such file in the repository`);
        assert.equal(ignored(source), false, `COPY ${source} (line ${c.line}) is excluded by deploy/Dockerfile.dockerignore`);
      }
    }
    // Host builds must stay out of the context.
    for (const path of [
      "node_modules/turbo/package.json",
      "packages/config/dist/index.js",
      "services/ingress/node_modules/x",
      "services/ingress/tsconfig.tsbuildinfo",
      ".git/HEAD",
    ]) {
      assert.equal(ignored(path), true, `${path} must be excluded from the build context`);
    }
    for (const path of [
      "package-lock.json",
      "packages/config/src/env.ts",
      "packages/proto/src/gen",
      "services/ingress/src/main.ts",
      "tsconfig.base.json",
    ]) {
      assert.equal(ignored(path), false, `${path} must reach the build`);
    }
  });

  test("leaves test-only code out of the image, and no shipped module imports it", () => {
    const { ignored } = setup();
    for (const path of [
      "packages/grpc/src/grpc.test.ts",
      "services/ingress/src/app.test.ts",
      "services/ingress/src/translate/test-support/fixtures.ts",
    ]) {
      assert.equal(ignored(path), true, `${path} is test-only and must be excluded from the build context`);
    }
    const sources = ["packages", "services"].flatMap((top) =>
      readdirSync(join(ROOT, top), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(ROOT, top, d.name, "src")))
        .flatMap((d) =>
          (readdirSync(join(ROOT, top, d.name, "src"), { recursive: true }) as string[]).map((f) =>
            posix.join(top, d.name, "src", f.split("\\").join("/")),
          ),
        ),
    );
    let testImports = 0;
    for (const file of sources.filter((f) => f.endsWith(".ts"))) {
      for (const match of readFileSync(join(ROOT, file), "utf8").matchAll(/(?:\bfrom|^import|\bimport\()\s*["'](\.{1,2}\/[^"']+)["']/gm)) {
        const target = posix.join(posix.dirname(file), match[1]!.replace(/\.js$/, ".ts"));
        if (!ignored(target)) continue;
        testImports++;
        assert.equal(ignored(file), true, `${file} imports ${match[1]}, which is test-only and left out of the image`);
      }
    }
    assert.ok(testImports > 0, "the tests' own imports of test-only modules were found (the scan reads imports)");
  });

  test("installs from the lockfile with every workspace manifest, builds, then prunes dev dependencies", () => {
    const { stageOf, copies, runs } = setup();
    const ci = runs.find((r) => /\bnpm ci\b/.test(r.args));
    assert.ok(ci, "RUN npm ci");
    assert.ok(existsSync(join(ROOT, "package-lock.json")));
    // Where each file lands: into the destination folder (a trailing slash, or several sources), or as it.
    const intoFolder = (c: (typeof copies)[number]) => c.dest.endsWith("/") || c.sources.length > 1;
    const before = copies
      .filter((c) => c.line < ci.line && !c.from)
      .flatMap((c) => c.sources.map((s) => (intoFolder(c) ? posix.join(c.dest, posix.basename(s)) : posix.normalize(c.dest))));
    const workspaces = asArray(
      (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { workspaces: Json }).workspaces,
      "workspaces",
    ).map(String);
    for (const file of ["package.json", "package-lock.json", ...workspaces.map((w) => `${w}/package.json`)]) {
      assert.ok(before.includes(file), `${file} must be copied before npm ci (the lockfile names every workspace)`);
    }
    const build = runs.find((r) => /turbo run build/.test(r.args));
    assert.ok(build && build.line > ci.line, "RUN turbo run build after npm ci");
    const filter = /--filter[= ]"?\.\/([^"\s*]+)/.exec(build.args);
    if (filter) assert.ok(existsSync(join(ROOT, filter[1]!)), `turbo --filter names ./${filter[1]}, which does not exist`);
    for (const file of ["tsconfig.json", "tsconfig.base.json", "turbo.json"]) {
      assert.ok(
        copies.some((c) => c.line < build.line && c.sources.includes(file)),
        `${file} must be copied before the build`,
      );
    }
    const prune = runs.find((r) => /npm prune --omit=dev/.test(r.args));
    assert.ok(
      prune && prune.line >= build.line && stageOf(prune.line) === stageOf(build.line),
      "npm prune --omit=dev after the build, in the build stage",
    );
  });

  test("runs as a non-root user and starts a real service by default", () => {
    const { instructions, stages, copies } = setup();
    const final = stages.at(-1)!;
    const runtime = instructions.filter((i) => i.line > final.line);
    const user = runtime.filter((i) => i.op === "USER").at(-1);
    assert.ok(user && !/^(root|0)(:|$)/.test(user.args), "USER must be a non-root user");
    for (const dir of ["node_modules", "packages", "services"]) {
      assert.ok(
        copies.some((c) => c.line > final.line && c.from && c.sources.some((s) => s.endsWith(`/${dir}`))),
        `the runtime stage needs ${dir}`,
      );
    }
    const cmd = runtime.filter((i) => i.op === "CMD").at(-1);
    assert.ok(cmd, "CMD");
    serviceOfCommand(JSON.parse(cmd.args), "Dockerfile CMD");
    assert.equal(
      runtime.some((i) => i.op === "ENTRYPOINT"),
      false,
      "no ENTRYPOINT, so `command:` replaces the whole command line",
    );
  });
});

// ── Kubernetes ──────────────────────────────────────────────────────────────────────────────────

describe("deploy/k8s", () => {
  const setup = lazy(() => {
    const files = readdirSync(K8S_DIR)
      .filter((f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml")
      .sort();
    const objects = files.flatMap((file) =>
      parseAllDocuments(readFileSync(join(K8S_DIR, file), "utf8")).map((doc, i) => {
        assert.deepEqual(
          doc.errors.map((e) => e.message),
          [],
          `${file} document ${i + 1} has YAML errors`,
        );
        return { file, object: asRecord(doc.toJS(), `${file} document ${i + 1}`) };
      }),
    );
    const ofKind = (kind: string) =>
      objects.filter((o) => o.object.kind === kind).map((o) => ({ ...o, name: String(asRecord(o.object.metadata, "metadata").name) }));
    const podSpec = (o: Record<string, Json>) => asRecord(asRecord(asRecord(o.spec, "spec").template, "template").spec, "pod spec");
    const podLabels = (o: Record<string, Json>) =>
      asRecord(asRecord(asRecord(asRecord(o.spec, "spec").template, "template").metadata, "template metadata").labels, "labels");
    const workloadObjects = [...ofKind("Deployment"), ...ofKind("StatefulSet")];
    const services = ofKind("Service");

    const configMap = ofKind("ConfigMap").find((c) => c.name === "switchyard-config");
    const nodeContainers = workloadObjects.flatMap((w) =>
      asArray(podSpec(w.object).containers, `${w.name} containers`)
        .map((c) => asRecord(c, `${w.name} container`))
        .filter((c) => JSON.stringify(c.command ?? c.args ?? []).includes("services/"))
        .map((container) => ({ workload: w, container })),
    );

    // The config mount, shared by every Switchyard container.
    const configMapKey = (() => {
      assert.ok(configMap, "ConfigMap switchyard-config");
      const keys = Object.keys(asRecord(configMap.object.data, "ConfigMap data"));
      assert.equal(keys.length, 1, "the ConfigMap holds one file");
      return keys[0]!;
    })();
    const config = mountedConfig(
      String(asRecord(configMap!.object.data, "data")[configMapKey]),
      `${configMap!.file} (ConfigMap switchyard-config, ${configMapKey})`,
    );

    const workloads: NodeWorkload[] = nodeContainers.map(({ workload, container }) => {
      const where = `${workload.file} ${workload.name}`;
      const env: ServiceEnv = new Map();
      for (const e of asArray(container.env ?? [], `${where} env`).map((e) => asRecord(e, `${where} env entry`))) {
        const name = String(e.name);
        assert.equal(env.has(name), false, `${where}: ${name} set twice`);
        if (e.value !== undefined) env.set(name, String(e.value));
        else {
          const from = asRecord(e.valueFrom, `${where} ${name}.valueFrom`);
          assert.ok(from.secretKeyRef || from.fieldRef, `${where}: ${name} comes from a Secret or the downward API`);
          env.set(name, undefined);
        }
      }
      assert.equal(container.envFrom, undefined, `${where}: envFrom hides variables from this check`);
      const hosts = services.filter((s) => selects(s.object, workload.object)).map((s) => s.name);
      return { where, hosts, service: serviceOfCommand(container.command, where), env };
    });

    function selects(service: Record<string, Json>, workload: Record<string, Json>): boolean {
      const selector = asRecord(asRecord(service.spec, "spec").selector, "selector");
      const labels = podLabels(workload);
      return Object.entries(selector).every(([k, v]) => labels[k] === v);
    }
    return {
      files,
      objects,
      ofKind,
      podSpec,
      podLabels,
      workloadObjects,
      services,
      nodeContainers,
      configMapKey,
      config,
      workloads,
      selects,
    };
  });

  test("every manifest parses and lives in one namespace", () => {
    const { objects, ofKind } = setup();
    assert.ok(objects.length > 0);
    assert.deepEqual(
      ofKind("Namespace").map((n) => n.name),
      ["switchyard"],
    );
    for (const { file, object } of objects) {
      assert.ok(object.apiVersion && object.kind, `${file}: apiVersion and kind`);
      const metadata = asRecord(object.metadata, `${file} metadata`);
      if (object.kind !== "Namespace")
        assert.equal(metadata.namespace, "switchyard", `${file}: ${String(object.kind)} ${String(metadata.name)} namespace`);
    }
    assert.equal(ofKind("Secret").length, 0, "secrets are created out of band, never committed");
  });

  test("the ConfigMap holds the same config as docker compose mounts", () => {
    const { config } = setup();
    const compose = loadMountedConfig(join(DEPLOY, "switchyard.compose.yaml"));
    const strip = ({ source: _source, ...rest }: GatewayConfig) => rest;
    assert.deepEqual(strip(config.full), strip(compose.full));
    assert.deepEqual(config.variables, compose.variables);
  });

  test("runs every service of the mesh from an existing entry point, with the config mounted", () => {
    const { podSpec, nodeContainers, configMapKey, workloads } = setup();
    assert.deepEqual(new Set(workloads.map((w) => w.service)), new Set(SERVICE_NAMES));
    for (const { workload, container } of nodeContainers) {
      const where = `${workload.file} ${workload.name}`;
      const spec = podSpec(workload.object);
      assert.equal(
        spec.enableServiceLinks,
        false,
        `${where}: service links inject <SERVICE>_PORT variables (a Service named "switchyard" would set SWITCHYARD_PORT)`,
      );
      const target = workloads.find((w) => w.where === where)!.env.get("SWITCHYARD_CONFIG")!;
      const mount = asArray(container.volumeMounts, `${where} volumeMounts`)
        .map((m) => asRecord(m, "mount"))
        .find((m) => posix.join(String(m.mountPath), configMapKey) === target);
      assert.ok(mount, `${where}: SWITCHYARD_CONFIG=${target} is not the mounted ConfigMap key`);
      const volume = asArray(spec.volumes, `${where} volumes`)
        .map((v) => asRecord(v, "volume"))
        .find((v) => v.name === mount.name);
      assert.equal(asRecord(volume?.configMap, `${where} config volume`).name, "switchyard-config");
      const security = asRecord(spec.securityContext, `${where} securityContext`);
      assert.equal(security.runAsNonRoot, true, `${where}: runAsNonRoot`);
      assert.equal(typeof security.runAsUser, "number", `${where}: a numeric runAsUser (the image's USER is a name)`);
    }
  });

  test("sets only declared variables, with values the services accept", () => {
    const { config, workloads } = setup();
    for (const w of workloads) checkNodeWorkload(w, config);
  });

  test("uses SERVICE_PORTS for container ports, probes, Services and peers", () => {
    const { podSpec, workloadObjects, services, nodeContainers, workloads, selects } = setup();
    for (const { workload, container } of nodeContainers) {
      const where = `${workload.file} ${workload.name}`;
      const w = workloads.find((x) => x.where === where)!;
      const expected = SERVICE_PORTS[w.service] as Record<string, number>;
      const declared = asArray(container.ports, `${where} ports`).map((p) => asRecord(p, "port"));
      assert.deepEqual(
        Object.fromEntries(declared.map((p) => [String(p.name), Number(p.containerPort)])),
        expected,
        `${where}: container ports must be SERVICE_PORTS.${w.service}`,
      );
      for (const p of declared) assert.equal(p.hostPort, undefined, `${where}: a hostPort limits scaling`);
      const portOf = (ref: Json) => (typeof ref === "number" ? ref : Number(declared.find((p) => p.name === ref)?.containerPort));
      const readiness = asRecord(asRecord(container.readinessProbe, `${where} readinessProbe`).httpGet, `${where} readinessProbe.httpGet`);
      assert.equal(readiness.path, "/readyz");
      assert.equal(portOf(readiness.port), expected.ops, `${where}: readiness probe port (readiness is on the ops port)`);
      const liveness = asRecord(asRecord(container.livenessProbe, `${where} livenessProbe`).httpGet, `${where} livenessProbe.httpGet`);
      assert.equal(liveness.path, "/healthz");
      assert.equal(portOf(liveness.port), expected.ops, `${where}: liveness probe port`);
    }
    for (const s of services) {
      const targets = workloadObjects.filter((w) => selects(s.object, w.object));
      assert.equal(targets.length, 1, `Service ${s.name} must select exactly one workload`);
      const containerPorts = asArray(podSpec(targets[0]!.object).containers, "containers").flatMap((c) =>
        asArray(asRecord(c, "c").ports ?? [], "ports").map((p) => asRecord(p, "port")),
      );
      for (const p of asArray(asRecord(s.object.spec, "spec").ports, `${s.name} ports`).map((p) => asRecord(p, "port"))) {
        const target = containerPorts.find((c) => c.name === p.targetPort || c.containerPort === p.targetPort);
        assert.ok(target, `Service ${s.name}: targetPort ${String(p.targetPort)} is not a container port`);
        assert.equal(p.port, target.containerPort, `Service ${s.name}: keep the service port equal to the container port`);
      }
    }
    const ingress = workloads.find((w) => w.service === "ingress")!;
    checkPeerAddress(ingress.env.get("SWITCHYARD_POLICY_ADDR"), "policy", workloads, ingress.where);
    checkPeerAddress(ingress.env.get("SWITCHYARD_CACHE_ADDR"), "cache", workloads, ingress.where);
    checkPeerAddress(ingress.env.get("SWITCHYARD_ROUTER_ADDR"), "router", workloads, ingress.where);
    for (const w of workloads) {
      for (const variable of ["NATS_URL", "REDIS_URL"]) {
        const url = new URL(w.env.get(variable)!);
        const service = services.find((s) => s.name === url.hostname);
        assert.ok(service, `${w.where}: ${variable} names ${url.hostname}, which is no Service`);
        const ports = asArray(asRecord(service.object.spec, "spec").ports, "ports").map((p) => Number(asRecord(p, "port").port));
        assert.ok(ports.includes(Number(url.port)), `${w.where}: ${variable} port ${url.port} is not served by Service ${url.hostname}`);
      }
    }
  });

  test("connectors are scalable Deployments announcing their own pod address", () => {
    const { nodeContainers, workloads } = setup();
    const connectors = nodeContainers.filter(
      ({ workload, container }) => serviceOfCommand(container.command, workload.name) === "connector",
    );
    assert.deepEqual(
      new Set(
        connectors.map(({ workload }) => workloads.find((w) => w.where === `${workload.file} ${workload.name}`)!.env.get("PROVIDER")),
      ),
      new Set(["mock", "openai"]),
    );
    for (const { workload, container } of connectors) {
      assert.equal(workload.object.kind, "Deployment", `${workload.name}: a Deployment scales with kubectl scale`);
      const advertise = asArray(container.env, "env")
        .map((e) => asRecord(e, "env"))
        .find((e) => e.name === "CONNECTOR_ADVERTISE_HOST");
      assert.equal(
        asRecord(asRecord(advertise?.valueFrom, `${workload.name} CONNECTOR_ADVERTISE_HOST`).fieldRef, "fieldRef").fieldPath,
        "status.podIP",
        `${workload.name}: each replica announces its pod IP`,
      );
    }
    // Secrets come from the Secret switchyard-secrets; only the admin key and the mesh secret are mandatory.
    for (const { workload, container } of nodeContainers) {
      for (const e of asArray(container.env, "env").map((e) => asRecord(e, "env"))) {
        const ref = isRecord(e.valueFrom) && isRecord(e.valueFrom.secretKeyRef) ? e.valueFrom.secretKeyRef : undefined;
        if (!ref) continue;
        assert.equal(ref.name, "switchyard-secrets", `${workload.name}: ${String(e.name)} from Secret switchyard-secrets`);
        if (e.name === "SWITCHYARD_ADMIN_KEY" || e.name === "SWITCHYARD_MESH_SECRET")
          assert.notEqual(ref.optional, true, `${workload.name}: ${String(e.name)} is required`);
        else assert.equal(ref.optional, true, `${workload.name}: provider key ${String(e.name)} is optional`);
      }
    }
  });

  test("NetworkPolicies deny by default and admit only each workload's real callers, on the ports they call", () => {
    const { ofKind, workloadObjects, podSpec, podLabels } = setup();
    const policies = ofKind("NetworkPolicy").map((p) => ({ name: p.name, spec: asRecord(p.object.spec, `NetworkPolicy ${p.name} spec`) }));
    const matchLabels = (selector: Json, what: string) => asRecord(asRecord(selector, what).matchLabels ?? {}, `${what}.matchLabels`);
    const selectsPod = (selector: Json, what: string, labels: Record<string, Json>) =>
      Object.entries(matchLabels(selector, what)).every(([k, v]) => labels[k] === v);
    assert.ok(
      policies.some(
        ({ spec }) =>
          Object.keys(matchLabels(spec.podSelector, "podSelector")).length === 0 &&
          asArray(spec.policyTypes, "policyTypes").includes("Ingress") &&
          spec.ingress === undefined,
      ),
      "a policy selecting every pod with no ingress rule denies what the others do not admit",
    );
    const roleOf = (w: (typeof workloadObjects)[number]) => {
      const node = asArray(podSpec(w.object).containers, "containers")
        .map((c) => asRecord(c, "container"))
        .find((c) => JSON.stringify(c.command ?? []).includes("services/"));
      return node ? serviceOfCommand(node.command, w.name) : w.name;
    };
    for (const target of workloadObjects) {
      const role = roleOf(target);
      const labels = podLabels(target.object);
      const ports = new Map(
        asArray(podSpec(target.object).containers, "containers").flatMap((c) =>
          asArray(asRecord(c, "container").ports ?? [], "ports").map(
            (p) => [String(asRecord(p, "port").name), Number(asRecord(p, "port").containerPort)] as const,
          ),
        ),
      );
      const admitted = new Set<string>();
      for (const { name, spec } of policies.filter(({ name, spec }) =>
        selectsPod(spec.podSelector, `NetworkPolicy ${name} podSelector`, labels),
      )) {
        for (const rule of asArray(spec.ingress ?? [], `${name} ingress`).map((r) => asRecord(r, `${name} rule`))) {
          const rulePorts = asArray(rule.ports, `NetworkPolicy ${name}: every rule names its ports`).map((p) => {
            const port = asRecord(p, "port").port;
            const number = typeof port === "number" ? port : ports.get(String(port));
            assert.ok(number, `NetworkPolicy ${name}: port ${String(port)} is not a port of ${target.name}`);
            return number;
          });
          const sources =
            rule.from === undefined
              ? ["anyone"]
              : asArray(rule.from, `${name} from`).flatMap((f) => {
                  const from = asRecord(f, `${name} from`);
                  assert.deepEqual(Object.keys(from), ["podSelector"], `NetworkPolicy ${name}: sources are pods of this namespace`);
                  const selected = workloadObjects.filter((w) => selectsPod(from.podSelector, `${name} from`, podLabels(w.object)));
                  assert.ok(selected.length > 0, `NetworkPolicy ${name}: a source selects no workload`);
                  return selected.map(roleOf);
                });
          for (const source of sources) for (const port of rulePorts) admitted.add(`${source} → ${port}`);
        }
      }
      const peers = PEERS().get(role);
      const expected =
        role === "ingress"
          ? [`anyone → ${SERVICE_PORTS.ingress.http}`]
          : (peers?.clients ?? []).map((client) => `${client} → ${peers!.port}`);
      assert.deepEqual([...admitted].sort(), [...new Set(expected)].sort(), `${target.file} ${target.name}: admitted callers`);
    }
  });

  test("the ingress and every connector Deployment scale on CPU, with requests to measure it against", () => {
    const { ofKind, podSpec, nodeContainers } = setup();
    const scaled = nodeContainers
      .filter(({ workload, container }) => ["ingress", "connector"].includes(serviceOfCommand(container.command, workload.name)))
      .map(({ workload }) => workload);
    assert.ok(scaled.length >= 3);
    const autoscalers = ofKind("HorizontalPodAutoscaler");
    for (const workload of scaled) {
      const hpa = autoscalers.find(
        (h) => asRecord(asRecord(h.object.spec, "spec").scaleTargetRef, "scaleTargetRef").name === workload.name,
      );
      assert.ok(hpa, `${workload.name} has a HorizontalPodAutoscaler`);
      const spec = asRecord(hpa.object.spec, "spec");
      assert.equal(asRecord(spec.scaleTargetRef, "scaleTargetRef").kind, "Deployment");
      assert.ok(
        Number(spec.minReplicas) >= 1 && Number(spec.minReplicas) <= Number(spec.maxReplicas),
        `${workload.name}: 1 <= minReplicas <= maxReplicas`,
      );
      const metric = asArray(spec.metrics, "metrics")
        .map((m) => asRecord(m, "metric"))
        .find((m) => m.type === "Resource");
      assert.equal(asRecord(metric?.resource, "resource").name, "cpu");
      for (const container of asArray(podSpec(workload.object).containers, "containers").map((c) => asRecord(c, "container"))) {
        assert.ok(
          asRecord(asRecord(container.resources, "resources").requests, "requests").cpu,
          `${workload.name}: CPU utilization needs a CPU request`,
        );
      }
    }
  });

  test("every Switchyard Deployment has a disruption budget that never blocks a drain", () => {
    const { ofKind, podLabels, nodeContainers } = setup();
    const budgets = ofKind("PodDisruptionBudget");
    const autoscalers = ofKind("HorizontalPodAutoscaler");
    for (const { workload } of nodeContainers) {
      const labels = podLabels(workload.object);
      const budget = budgets.find((b) =>
        Object.entries(asRecord(asRecord(asRecord(b.object.spec, "spec").selector, "selector").matchLabels, "matchLabels")).every(
          ([k, v]) => labels[k] === v,
        ),
      );
      assert.ok(budget, `${workload.name} has a PodDisruptionBudget`);
      const spec = asRecord(budget.object.spec, "spec");
      if (spec.minAvailable === undefined) continue;
      const hpa = autoscalers.find(
        (h) => asRecord(asRecord(h.object.spec, "spec").scaleTargetRef, "scaleTargetRef").name === workload.name,
      );
      const fewest = Number(hpa ? asRecord(hpa.object.spec, "spec").minReplicas : asRecord(workload.object.spec, "spec").replicas);
      assert.ok(
        Number(spec.minAvailable) < fewest,
        `${workload.name}: minAvailable ${String(spec.minAvailable)} leaves a pod to evict at ${fewest} replicas`,
      );
    }
  });

  test("kustomize: the base lists every manifest, and the overlays build on it", () => {
    const { files } = setup();
    const base = asRecord(parse(readFileSync(join(K8S_DIR, "kustomization.yaml"), "utf8")), "kustomization.yaml");
    assert.deepEqual([...asArray(base.resources, "resources")].sort(), files);
    const overlays = join(DEPLOY, "kustomize");
    const names = readdirSync(overlays);
    assert.deepEqual(names.sort(), ["dev", "production"]);
    for (const name of names) {
      const overlay = asRecord(parse(readFileSync(join(overlays, name, "kustomization.yaml"), "utf8")), `${name}/kustomization.yaml`);
      assert.deepEqual(overlay.resources, ["../../k8s"], `${name} builds on the base`);
      for (const patch of asArray(overlay.patches ?? [], "patches").map((p) => asRecord(p, "patch"))) {
        const target = asRecord(patch.target, `${name} patch target`);
        const kinds = setup().objects.filter((o) => o.object.kind === target.kind);
        const pattern = target.name === undefined ? undefined : new RegExp(`^(?:${String(target.name)})$`);
        assert.ok(
          kinds.some((o) => !pattern || pattern.test(String(asRecord(o.object.metadata, "metadata").name))),
          `${name}: a patch targets ${String(target.kind)} ${String(target.name ?? "")}, which the base does not have`,
        );
      }
    }
  });
});

describe("Compose v2", () => {
  test("the compose file uses the Compose Specification (no v1 `version:`), and the READMEs say v2", () => {
    const compose = asRecord(parse(readFileSync(COMPOSE_FILE, "utf8")), "docker-compose.yml");
    assert.equal(compose.version, undefined, "`version:` is obsolete in Compose v2 and warns");
    assert.equal(typeof compose.name, "string", "a project name, which Compose v2 reads from the file");
    for (const readme of [join(ROOT, "README.md"), join(DEPLOY, "README.md")]) {
      assert.match(readFileSync(readme, "utf8"), /Docker Compose v2 \(`docker compose`/, readme);
    }
  });
});
