import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, type WriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { isLoopback, loadConfig, SERVICE_NODE_FLAGS, SERVICE_PORTS } from "@switchyard/config";
import { colorFor, formatLogLine } from "./log-format.js";
import { freePort, waitFor } from "./net.js";

/** Children still running; killed if the launching process exits without stopping them. */
const orphans = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of orphans) child.kill("SIGKILL");
});

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Every service of the mesh (a folder under services/ each): the names `nodeArgs` and `serviceEnv` take. */
export const MESH_SERVICES = Object.keys(SERVICE_PORTS) as readonly (keyof typeof SERVICE_PORTS)[];

/** One connector group: a process per replica, each serving every provider of the group. */
export interface ConnectorPlan {
  /** Provider names from the config (or `provider` for a group of one). */
  providers?: string[];
  provider?: string;
  /** The group's name, in process names (`connector-<group>`); the first provider's by default. */
  group?: string;
  replicas?: number;
}

/**
 * The launcher's default: one connector group per provider kind (OpenAI-compatible endpoints and
 * Azure share one), so a config with many endpoints still runs a handful of processes.
 */
export function defaultConnectorGroups(
  providers: readonly { name: string; kind: string; enabled: boolean }[],
  replicas: Readonly<Record<string, number>> = {},
): ConnectorPlan[] {
  const groups = new Map<string, string[]>();
  for (const provider of providers) {
    if (!provider.enabled) continue;
    const group = provider.kind === "azure" ? "openai" : provider.kind;
    groups.set(group, [...(groups.get(group) ?? []), provider.name]);
  }
  return [...groups].map(([group, names]) => ({ group, providers: names, replicas: replicas[group] ?? 1 }));
}

/** `openai=2,mock=1` (SWITCHYARD_CONNECTOR_REPLICAS, `npm start -- --replicas …`) → counts per group. */
export function parseReplicaCounts(text: string | undefined): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const part of (text ?? "").split(",").map((p) => p.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9._-]+)=([0-9]+)$/.exec(part);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 64) {
      throw new Error(`connector replicas: "${part}" is not <group>=<count> with a count from 1 to 64 (e.g. openai=2,mock=1)`);
    }
    counts[match[1]!] = Number(match[2]);
  }
  return counts;
}

const providersOf = (plan: ConnectorPlan): string[] => plan.providers ?? (plan.provider ? [plan.provider] : []);

export interface MeshOptions {
  configPath: string;
  natsUrl: string;
  redisUrl: string;
  /** `default`: the documented ports; `ephemeral`: free ports picked now (tests, benchmarks). */
  ports?: "default" | "ephemeral";
  /** Where the ingress's public port listens; every other port stays on loopback unless this is loopback too. */
  host?: string;
  /** The ingress's port when `ports` is `default` (SWITCHYARD_PORT). */
  ingressPort?: number;
  /** Which connector groups to run; by default `defaultConnectorGroups` of the config. */
  connectors?: ConnectorPlan[];
  /** Replicas per default group (ignored when `connectors` is given). */
  connectorReplicas?: Record<string, number>;
  /** `pretty`: prefixed, readable lines on stdout; `quiet`: kept in memory for `recentLogs`; or a folder for one file per service. */
  logs?: "pretty" | "quiet" | { dir: string };
  logLevel?: string;
  redisPrefix?: string;
  /** Extra environment for every service, or per service name. */
  env?: Record<string, string>;
  serviceEnv?: Record<string, Record<string, string>>;
  /** Extra arguments for node (e.g. --cpu-prof), per service name, after the service's SERVICE_NODE_FLAGS. */
  nodeArgs?: Record<string, string[]>;
  readyTimeoutMs?: number;
  /**
   * Services talk over Unix sockets instead of loopback TCP (all processes share this host).
   * Off by default until an intermittent readiness timeout seen once in CI with it on is explained.
   */
  unixSockets?: boolean;
  onUnexpectedExit?: (name: string, code: number | null) => void;
}

export interface ServiceProcess {
  name: string;
  /** Folder under services/. */
  service: string;
  child: ChildProcess;
  opsUrl: string;
  grpcPort?: number;
}

export interface Mesh {
  baseUrl: string;
  host: string;
  ingressPort: number;
  processes: ServiceProcess[];
  recentLogs(name?: string): string;
  /** Starts one more connector replica serving these providers (a group's name or a provider's). */
  addConnector(providers: string | string[]): Promise<ServiceProcess>;
  /** Starts one more ingress replica on its own port, sharing every backend; its URL is `http://host:port`. */
  addIngress(): Promise<ServiceProcess & { baseUrl: string }>;
  stopProcess(name: string, signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops a service process and starts it again with the same ports and environment. */
  restartProcess(name: string): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

interface Spec {
  name: string;
  service: string;
  env: Record<string, string>;
  opsPort: number;
  grpcPort?: number;
}

/** Runs every service of the mesh as its own Node process and waits until each reports ready. */
export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const host = options.host ?? "127.0.0.1";
  // Every process runs on this machine: only the ingress's public port goes on `host`; gRPC and ops
  // ports stay on loopback even when the gateway is exposed.
  const internalHost = isLoopback(host) ? host : "127.0.0.1";
  const ephemeral = options.ports === "ephemeral";
  const pick = async (fixed: number) => (ephemeral ? freePort(internalHost) : fixed);
  const config = loadConfig(options.configPath);
  const connectors = options.connectors ?? defaultConnectorGroups(Object.values(config.providers), options.connectorReplicas);
  for (const plan of connectors) {
    const names = providersOf(plan);
    if (names.length === 0) throw new Error(`connector group ${plan.group ?? "(unnamed)"} names no provider`);
    for (const name of names) {
      if (!config.providers[name]) throw new Error(`connector group ${plan.group ?? name}: unknown provider "${name}" (known: ${Object.keys(config.providers).join(", ")})`);
    }
  }

  const grpc = {
    policy: await pick(SERVICE_PORTS.policy.grpc),
    cache: await pick(SERVICE_PORTS.cache.grpc),
    router: await pick(SERVICE_PORTS.router.grpc),
  };
  const ingressPort = ephemeral ? await freePort(host) : (options.ingressPort ?? SERVICE_PORTS.ingress.http);
  const socketDir = options.unixSockets ? mkdtempSync(join(tmpdir(), "switchyard-sock-")) : undefined;
  const socketOf = (name: string) => (socketDir ? join(socketDir, `${name}.sock`) : undefined);
  const addressOf = (name: string, port: number) => (socketDir ? `unix://${socketOf(name)}` : `${internalHost}:${port}`);
  const common: Record<string, string> = {
    SWITCHYARD_CONFIG: resolve(options.configPath),
    NATS_URL: options.natsUrl,
    REDIS_URL: options.redisUrl,
    SWITCHYARD_REDIS_PREFIX: options.redisPrefix ?? "switchyard:",
    SWITCHYARD_POLICY_ADDR: addressOf("policy", grpc.policy),
    SWITCHYARD_CACHE_ADDR: addressOf("cache", grpc.cache),
    SWITCHYARD_ROUTER_ADDR: addressOf("router", grpc.router),
    GRPC_HOST: internalHost,
    LOG_LEVEL: options.logLevel ?? "info",
    // One secret per mesh: its services accept each other's calls and nobody else's.
    SWITCHYARD_MESH_SECRET: process.env.SWITCHYARD_MESH_SECRET || randomBytes(32).toString("base64url"),
    ...options.env,
  };

  let connectorIndex = 0;
  const connectorNames = new Set<string>();
  const connectorSpec = async (providers: string[], group = providers[0]!): Promise<Spec> => {
    const index = connectorIndex++;
    const grpcPort = await pick(SERVICE_PORTS.connector.grpc + index);
    let name = `connector-${group}`;
    for (let n = 1; connectorNames.has(name); n++) name = `connector-${group}-${n}`;
    connectorNames.add(name);
    const socket = socketOf(name);
    return {
      name,
      service: "connector",
      grpcPort,
      opsPort: await pick(SERVICE_PORTS.connector.ops + index),
      env: { PROVIDERS: providers.join(","), GRPC_PORT: String(grpcPort), ...(socket ? { GRPC_SOCKET: socket } : {}) },
    };
  };
  const grpcEnv = (name: string, port: number): Record<string, string> => {
    const socket = socketOf(name);
    return { GRPC_PORT: String(port), ...(socket ? { GRPC_SOCKET: socket } : {}) };
  };
  const backends: Spec[] = [
    { name: "policy", service: "policy", grpcPort: grpc.policy, opsPort: await pick(SERVICE_PORTS.policy.ops), env: grpcEnv("policy", grpc.policy) },
    { name: "cache", service: "cache", grpcPort: grpc.cache, opsPort: await pick(SERVICE_PORTS.cache.ops), env: grpcEnv("cache", grpc.cache) },
    { name: "router", service: "router", grpcPort: grpc.router, opsPort: await pick(SERVICE_PORTS.router.ops), env: grpcEnv("router", grpc.router) },
    { name: "budget", service: "budget", opsPort: await pick(SERVICE_PORTS.budget.ops), env: {} },
    { name: "logger", service: "logger", opsPort: await pick(SERVICE_PORTS.logger.ops), env: {} },
  ];
  for (const plan of connectors) {
    for (let i = 0; i < (plan.replicas ?? 1); i++) backends.push(await connectorSpec(providersOf(plan), plan.group));
  }
  const ingress: Spec = {
    name: "ingress",
    service: "ingress",
    opsPort: await pick(SERVICE_PORTS.ingress.ops),
    env: { SWITCHYARD_HOST: host, SWITCHYARD_PORT: String(ingressPort) },
  };

  const logs = options.logs ?? "pretty";
  const buffers = new Map<string, string[]>();
  const files: WriteStream[] = [];
  const processes: ServiceProcess[] = [];
  let stopping = false;

  const specs = new Map<string, Spec>();
  const launch = (spec: Spec): ServiceProcess => {
    specs.set(spec.name, spec);
    const entry = join(REPO_ROOT, "services", spec.service, "dist", "main.js");
    const nodeFlags = [
      ...(SERVICE_NODE_FLAGS[spec.service as keyof typeof SERVICE_NODE_FLAGS] ?? []),
      ...(options.nodeArgs?.[spec.name] ?? options.nodeArgs?.[spec.service] ?? []),
    ];
    const child = spawn(process.execPath, [...nodeFlags, entry], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...common, OPS_PORT: String(spec.opsPort), ...spec.env, ...options.serviceEnv?.[spec.service], ...options.serviceEnv?.[spec.name] },
      // The IPC channel is only a lifeline: the service exits when it closes (launcher gone).
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // Own process group: Ctrl-C reaches the launcher only, which stops services in order.
      detached: true,
    });
    child.channel?.unref();
    orphans.add(child);
    child.once("exit", () => orphans.delete(child));
    const color = colorFor(processes.length, process.stdout.isTTY === true);
    const prefix = color(`[${spec.name}]`.padEnd(22));
    let sink: (line: string) => void;
    if (logs === "pretty") sink = (line) => process.stdout.write(`${prefix} ${formatLogLine(line)}\n`);
    else if (logs === "quiet") {
      const buffer: string[] = [];
      buffers.set(spec.name, buffer);
      sink = (line) => {
        buffer.push(line);
        if (buffer.length > 400) buffer.shift();
      };
    } else {
      mkdirSync(logs.dir, { recursive: true });
      const file = createWriteStream(join(logs.dir, `${spec.name}.log`), { flags: "a" });
      files.push(file);
      sink = (line) => file.write(`${line}\n`);
    }
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream! }).on("line", sink);
    child.once("exit", (code) => {
      if (!stopping) options.onUnexpectedExit?.(spec.name, code);
    });
    const proc: ServiceProcess = { name: spec.name, service: spec.service, child, opsUrl: `http://${internalHost}:${spec.opsPort}`, ...(spec.grpcPort ? { grpcPort: spec.grpcPort } : {}) };
    processes.push(proc);
    return proc;
  };

  const readyTimeout = options.readyTimeoutMs ?? 30_000;
  const awaitReady = async (proc: ServiceProcess) => {
    let exited = false;
    proc.child.once("exit", () => (exited = true));
    await waitFor(
      async () => {
        if (exited) {
          const logs = recentLogs(proc.name);
          throw new Error(`${proc.name} exited during start${logs ? `:\n${logs}` : " (its log is above)"}`);
        }
        try {
          return (await fetch(`${proc.opsUrl}/readyz`)).ok;
        } catch {
          return false;
        }
      },
      readyTimeout,
      `${proc.name} to be ready`,
    ).catch(async (error: Error) => {
      // Say why: the last readiness answer names the dependency that was missing.
      const last = await fetch(`${proc.opsUrl}/readyz`).then((r) => r.text(), (e: Error) => e.message);
      throw new Error(`${error.message}; last /readyz: ${last}\n${recentLogs(proc.name)}`);
    });
  };
  const recentLogs = (name?: string) =>
    [...buffers.entries()]
      .filter(([n]) => !name || n === name)
      .map(([n, lines]) => lines.map((l) => `[${n}] ${l}`).join("\n"))
      .join("\n");

  const stopProcess = async (name: string, signal: NodeJS.Signals = "SIGTERM") => {
    const proc = processes.find((p) => p.name === name);
    if (!proc) throw new Error(`no process named ${name}`);
    const index = processes.indexOf(proc);
    processes.splice(index, 1);
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.child.exitCode;
    const exited = new Promise<number | null>((r) => proc.child.once("exit", (code) => r(code)));
    proc.child.kill(signal);
    const timer = setTimeout(() => proc.child.kill("SIGKILL"), 20_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  const stop = async () => {
    stopping = true;
    const ingressProc = processes.find((p) => p.name === "ingress");
    if (ingressProc) await stopProcess("ingress");
    await Promise.all(processes.map((p) => p.name).map((name) => stopProcess(name)));
    await Promise.all(files.map((f) => new Promise((r) => f.end(r))));
    if (socketDir) rmSync(socketDir, { recursive: true, force: true });
  };

  try {
    const started = backends.map(launch);
    await Promise.all(started.map(awaitReady));
    await awaitReady(launch(ingress));
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    baseUrl: `http://${host}:${ingressPort}`,
    host,
    ingressPort,
    processes,
    recentLogs,
    stopProcess,
    restartProcess: async (name) => {
      const spec = specs.get(name);
      if (!spec) throw new Error(`no process named ${name}`);
      await stopProcess(name);
      const proc = launch(spec);
      await awaitReady(proc);
      return proc;
    },
    stop,
    addConnector: async (providers) => {
      const group = connectors.find((plan) => plan.group === providers);
      const names = group ? providersOf(group) : typeof providers === "string" ? [providers] : providers;
      const proc = launch(await connectorSpec(names, group?.group));
      await awaitReady(proc);
      return proc;
    },
    addIngress: async () => {
      const port = await freePort(host);
      const count = processes.filter((p) => p.service === "ingress").length;
      const proc = launch({ ...ingress, name: `ingress-${count + 1}`, opsPort: await freePort(internalHost), env: { ...ingress.env, SWITCHYARD_PORT: String(port) } });
      await awaitReady(proc);
      return { ...proc, baseUrl: `http://${host}:${port}` };
    },
  };
}
