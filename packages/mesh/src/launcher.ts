import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, type WriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { isLoopback, loadConfig, SERVICE_NODE_FLAGS, SERVICE_PORTS } from "@switchyard/config";
import { colorFor, formatLogLine } from "./log-format.js";
import { canListen, freePort, waitFor } from "./net.js";
import type { PortSettings } from "./ports.js";
import { DEFAULT_RESTART, RestartPolicy, type RestartSettings } from "./restart-policy.js";

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
  for (const part of (text ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
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
  /** Ports set one by one over `ports` (see PORT_VARIABLES); 0 picks a free one. */
  portSettings?: PortSettings;
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
  /**
   * Once the mesh is up, restart a service that exits on its own, with exponential backoff, and
   * give up on a crash loop (default on; `false` leaves dead services dead).
   */
  supervise?: boolean | Partial<RestartSettings>;
  onSupervision?: (event: SupervisionEvent) => void;
  /** Aborting it during the start stops what was started and rejects (a launcher told to stop). */
  signal?: AbortSignal;
}

/** What the supervisor did about a service that exited on its own. */
export type SupervisionEvent =
  | { kind: "restarting"; name: string; exit: string; inMs: number; quickCrashes: number }
  | { kind: "restarted"; name: string; restarts: number }
  | { kind: "gave-up"; name: string; exit: string; reason: string; lastLog: string[] };

export interface ServiceProcess {
  name: string;
  /** Folder under services/. */
  service: string;
  /** The running process (a new one after each restart). */
  child: ChildProcess;
  opsUrl: string;
  grpcPort?: number;
  opsPort: number;
  /** Times the supervisor started it again. */
  restarts: number;
}

export interface Mesh {
  baseUrl: string;
  host: string;
  ingressPort: number;
  processes: ServiceProcess[];
  recentLogs(name?: string): string;
  /** Starts one more connector replica serving these providers (a group's name or a provider's). */
  addConnector(providers: string | string[]): Promise<ServiceProcess>;
  /** Stops a service for good (no restart); resolves with its exit code. */
  stopProcess(name: string, signal?: NodeJS.Signals): Promise<number | null>;
  /** Signals a service as a crash would (SIGKILL by default): the supervisor restarts it. */
  kill(name: string, signal?: NodeJS.Signals): void;
  /** Stops a service process and starts it again with the same ports and environment. */
  restartProcess(name: string): Promise<ServiceProcess>;
  /** Starts one more ingress replica on its own port, sharing every backend; its URL is `http://host:port`. */
  addIngress(): Promise<ServiceProcess & { process: ServiceProcess; baseUrl: string }>;
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
  const config = loadConfig(options.configPath);
  const connectors = options.connectors ?? defaultConnectorGroups(Object.values(config.providers), options.connectorReplicas);
  for (const plan of connectors) {
    const names = providersOf(plan);
    if (names.length === 0) throw new Error(`connector group ${plan.group ?? "(unnamed)"} names no provider`);
    for (const name of names) {
      if (!config.providers[name])
        throw new Error(
          `connector group ${plan.group ?? name}: unknown provider "${name}" (known: ${Object.keys(config.providers).join(", ")})`,
        );
    }
  }

  // Fixed ports are checked before anything starts, so a taken one fails the start at once, naming it.
  const fixedPorts: { port: number; what: string }[] = [];
  const pick = async <S extends keyof typeof SERVICE_PORTS>(
    service: S,
    kind: keyof (typeof SERVICE_PORTS)[S],
    offset = 0,
  ): Promise<number> => {
    const set = (options.portSettings?.[service] as Record<string, number | undefined> | undefined)?.[kind as string];
    const fallback =
      service === "ingress" && kind === "http" && options.ingressPort !== undefined
        ? options.ingressPort
        : (SERVICE_PORTS[service][kind] as number);
    const port = set !== undefined ? (set === 0 ? 0 : set + offset) : ephemeral ? 0 : fallback + offset;
    // Only the ingress's public port goes on `host`; the rest stays on loopback.
    if (port === 0) return freePort(service === "ingress" && kind === "http" ? host : internalHost);
    fixedPorts.push({ port, what: `${service} ${String(kind)}${offset ? ` (replica ${offset + 1})` : ""}` });
    return port;
  };

  const grpc = {
    policy: await pick("policy", "grpc"),
    cache: await pick("cache", "grpc"),
    router: await pick("router", "grpc"),
  };
  const ingressPort = await pick("ingress", "http");
  const loggerOps = await pick("logger", "ops");
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
    SWITCHYARD_LOGGER_URL: `http://${internalHost}:${loggerOps}`,
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
    const grpcPort = await pick("connector", "grpc", index);
    let name = `connector-${group}`;
    for (let n = 1; connectorNames.has(name); n++) name = `connector-${group}-${n}`;
    connectorNames.add(name);
    const socket = socketOf(name);
    return {
      name,
      service: "connector",
      grpcPort,
      opsPort: await pick("connector", "ops", index),
      env: { PROVIDERS: providers.join(","), GRPC_PORT: String(grpcPort), ...(socket ? { GRPC_SOCKET: socket } : {}) },
    };
  };
  const grpcEnv = (name: string, port: number): Record<string, string> => {
    const socket = socketOf(name);
    return { GRPC_PORT: String(port), ...(socket ? { GRPC_SOCKET: socket } : {}) };
  };
  const backends: Spec[] = [
    { name: "policy", service: "policy", grpcPort: grpc.policy, opsPort: await pick("policy", "ops"), env: grpcEnv("policy", grpc.policy) },
    { name: "cache", service: "cache", grpcPort: grpc.cache, opsPort: await pick("cache", "ops"), env: grpcEnv("cache", grpc.cache) },
    { name: "router", service: "router", grpcPort: grpc.router, opsPort: await pick("router", "ops"), env: grpcEnv("router", grpc.router) },
    { name: "budget", service: "budget", opsPort: await pick("budget", "ops"), env: {} },
    { name: "logger", service: "logger", opsPort: loggerOps, env: {} },
  ];
  for (const plan of connectors) {
    for (let i = 0; i < (plan.replicas ?? 1); i++) backends.push(await connectorSpec(providersOf(plan), plan.group));
  }
  const ingress: Spec = {
    name: "ingress",
    service: "ingress",
    opsPort: await pick("ingress", "ops"),
    env: { SWITCHYARD_HOST: host, SWITCHYARD_PORT: String(ingressPort) },
  };

  const taken: string[] = [];
  for (const { port, what } of fixedPorts) {
    if (!(await canListen(port, host))) taken.push(`${host}:${port} (${what})`);
  }
  if (taken.length > 0) {
    if (socketDir) rmSync(socketDir, { recursive: true, force: true });
    throw new PortInUseError(`port already in use: ${taken.join(", ")}; stop what holds it, or set another port (0 for any free one)`);
  }

  const logs = options.logs ?? "pretty";
  const buffers = new Map<string, string[]>();
  const tails = new Map<string, string[]>();
  const files: WriteStream[] = [];
  const processes: ServiceProcess[] = [];
  const restartTimers = new Set<NodeJS.Timeout>();
  const restartSettings =
    options.supervise === false ? undefined : { ...DEFAULT_RESTART, ...(options.supervise === true ? {} : options.supervise) };
  let stopping = false;
  let started = false;
  let aborted = options.signal?.aborted === true;
  options.signal?.addEventListener("abort", () => (aborted = true), { once: true });

  const sinkFor = (spec: Spec, colorIndex: number): ((line: string) => void) => {
    const tail: string[] = [];
    tails.set(spec.name, tail);
    const keepTail = (line: string) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
    };
    if (logs === "pretty") {
      const prefix = colorFor(colorIndex, process.stdout.isTTY === true)(`[${spec.name}]`.padEnd(22));
      return (line) => {
        keepTail(line);
        process.stdout.write(`${prefix} ${formatLogLine(line)}\n`);
      };
    }
    if (logs === "quiet") {
      const buffer: string[] = [];
      buffers.set(spec.name, buffer);
      return (line) => {
        keepTail(line);
        buffer.push(line);
        if (buffer.length > 400) buffer.shift();
      };
    }
    mkdirSync(logs.dir, { recursive: true });
    const file = createWriteStream(join(logs.dir, `${spec.name}.log`), { flags: "a" });
    files.push(file);
    return (line) => {
      keepTail(line);
      file.write(`${line}\n`);
    };
  };

  const spawnService = (spec: Spec, sink: (line: string) => void): ChildProcess => {
    const entry = join(REPO_ROOT, "services", spec.service, "dist", "main.js");
    const nodeFlags = [
      ...(SERVICE_NODE_FLAGS[spec.service as keyof typeof SERVICE_NODE_FLAGS] ?? []),
      ...(options.nodeArgs?.[spec.name] ?? options.nodeArgs?.[spec.service] ?? []),
    ];
    const child = spawn(process.execPath, [...nodeFlags, entry], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...common,
        OPS_PORT: String(spec.opsPort),
        ...spec.env,
        ...options.serviceEnv?.[spec.service],
        ...options.serviceEnv?.[spec.name],
      },
      // The IPC channel is only a lifeline: the service exits when it closes (launcher gone).
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // Own process group: Ctrl-C reaches the launcher only, which stops services in order.
      detached: true,
    });
    child.channel?.unref();
    orphans.add(child);
    child.once("exit", () => orphans.delete(child));
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream! }).on("line", sink);
    return child;
  };

  const specs = new Map<string, Spec>();
  const launch = (spec: Spec): ServiceProcess => {
    specs.set(spec.name, spec);
    const sink = sinkFor(spec, processes.length);
    const proc: ServiceProcess = {
      name: spec.name,
      service: spec.service,
      child: spawnService(spec, sink),
      opsUrl: `http://${internalHost}:${spec.opsPort}`,
      opsPort: spec.opsPort,
      restarts: 0,
      ...(spec.grpcPort ? { grpcPort: spec.grpcPort } : {}),
    };
    const policy = restartSettings ? new RestartPolicy(restartSettings) : undefined;
    const watch = (child: ChildProcess, since: number) => {
      child.once("exit", (code, signal) => {
        if (stopping || proc.child !== child || !processes.includes(proc)) return;
        options.onUnexpectedExit?.(spec.name, code);
        // During the start a crash fails the start (awaitReady says why); afterwards it is supervised.
        if (!started || !policy) return;
        const exit = signal ? `killed by ${signal}` : `exit code ${code}`;
        const decision = policy.afterExit(Date.now() - since);
        if ("giveUp" in decision) {
          options.onSupervision?.({
            kind: "gave-up",
            name: spec.name,
            exit,
            reason: decision.giveUp,
            lastLog: [...(tails.get(spec.name) ?? [])],
          });
          return;
        }
        options.onSupervision?.({
          kind: "restarting",
          name: spec.name,
          exit,
          inMs: decision.restartInMs,
          quickCrashes: decision.quickCrashes,
        });
        const timer = setTimeout(() => {
          restartTimers.delete(timer);
          if (stopping || !processes.includes(proc)) return;
          proc.child = spawnService(spec, sink);
          proc.restarts++;
          watch(proc.child, Date.now());
          awaitReady(proc).then(
            () => options.onSupervision?.({ kind: "restarted", name: spec.name, restarts: proc.restarts }),
            () => {}, // its exit is handled above; a hang until stop is left to /readyz to show
          );
        }, decision.restartInMs);
        restartTimers.add(timer);
      });
    };
    watch(proc.child, Date.now());
    processes.push(proc);
    return proc;
  };

  const readyTimeout = options.readyTimeoutMs ?? 30_000;
  const awaitReady = async (proc: ServiceProcess) => {
    const child = proc.child;
    let exited = false;
    child.once("exit", () => (exited = true));
    await waitFor(
      async () => {
        if (exited) {
          const logs = recentLogs(proc.name) || (tails.get(proc.name) ?? []).map((l) => `[${proc.name}] ${l}`).join("\n");
          throw new Error(`${proc.name} exited during start${logs ? `:\n${logs}` : ""}`);
        }
        if (stopping || (aborted && !started)) throw new Error(`the mesh was stopped while ${proc.name} started`);
        try {
          return (await fetch(`${proc.opsUrl}/readyz`)).ok;
        } catch {
          return false;
        }
      },
      readyTimeout,
      `${proc.name} to be ready`,
    ).catch(async (error: Error) => {
      if (exited || stopping || aborted) throw error;
      // Say why: the last readiness answer names the dependency that was missing.
      const last = await fetch(`${proc.opsUrl}/readyz`).then(
        (r) => r.text(),
        (e: Error) => e.message,
      );
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
    for (const timer of restartTimers) clearTimeout(timer);
    restartTimers.clear();
    await Promise.all(processes.filter((p) => p.service === "ingress").map((p) => stopProcess(p.name)));
    await Promise.all(processes.map((p) => p.name).map((name) => stopProcess(name)));
    await Promise.all(files.map((f) => new Promise((r) => f.end(r))));
    if (socketDir) rmSync(socketDir, { recursive: true, force: true });
  };

  try {
    if (aborted) throw new Error("the mesh was stopped before it started");
    const launched = backends.map(launch);
    await Promise.all(launched.map(awaitReady));
    await awaitReady(launch(ingress));
    started = true;
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
    stop,
    kill: (name, signal = "SIGKILL") => {
      const proc = processes.find((p) => p.name === name);
      if (!proc) throw new Error(`no process named ${name}`);
      proc.child.kill(signal);
    },
    addConnector: async (providers) => {
      const group = connectors.find((plan) => plan.group === providers);
      const names = group ? providersOf(group) : typeof providers === "string" ? [providers] : providers;
      const proc = launch(await connectorSpec(names, group?.group));
      await awaitReady(proc);
      return proc;
    },
    restartProcess: async (name) => {
      const spec = specs.get(name);
      if (!spec) throw new Error(`no process named ${name} was ever started`);
      if (processes.some((p) => p.name === name)) await stopProcess(name);
      const proc = launch(spec);
      await awaitReady(proc);
      return proc;
    },
    addIngress: async () => {
      const port = await freePort(host);
      const count = processes.filter((p) => p.service === "ingress").length;
      const proc = launch({
        ...ingress,
        name: `ingress-${count + 1}`,
        opsPort: await freePort(internalHost),
        env: { ...ingress.env, SWITCHYARD_PORT: String(port) },
      });
      await awaitReady(proc);
      return { ...proc, process: proc, baseUrl: `http://${host}:${port}` };
    },
  };
}

/** A port the mesh needs is taken: nothing was started. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
}
