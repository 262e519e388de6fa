import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, hostPortOf, isListening, waitFor } from "./net.js";

export interface Infra {
  natsUrl: string;
  redisUrl: string;
  /** The servers themselves when this process started them for tests (to simulate outages). */
  nats?: PrivateServer;
  redis?: PrivateServer;
  /** What was started here (empty when both were already running). */
  started: string[];
  /** What was already running and is used as it is. */
  reused: string[];
  stop(): Promise<void>;
}

export class MissingDependencyError extends Error {
  override name = "MissingDependencyError";
}

const INSTALL_HINT: Record<string, string> = {
  "nats-server":
    "install it with `sudo apt-get install nats-server` (Debian/Ubuntu) or `brew install nats-server`, or set NATS_URL to a running NATS with JetStream",
  "redis-server":
    "install it with `sudo apt-get install redis-server` (Debian/Ubuntu) or `brew install redis`, or set REDIS_URL to a running Redis",
};

function onPath(binary: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;
}

function spawnServer(binary: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  if (!onPath(binary)) throw new MissingDependencyError(`${binary} is not running and not installed: ${INSTALL_HINT[binary]}`);
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"], env });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  child.once("exit", (code) => {
    if (code && !stopped.has(child)) process.stderr.write(`${binary} exited with code ${code}: ${stderr}\n`);
  });
  return child;
}

/**
 * On a machine of two cores or fewer, which the whole mesh shares, one Go scheduler thread is
 * enough for nats-server and stops it spinning for work. A GOMAXPROCS already set is left alone.
 */
function natsEnv(): NodeJS.ProcessEnv {
  if (process.env.GOMAXPROCS || availableParallelism() > 2) return process.env;
  return { ...process.env, GOMAXPROCS: "1" };
}

const stopped = new WeakSet<ChildProcess>();

async function stopChild(child: ChildProcess): Promise<void> {
  stopped.add(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}

function startNats(host: string, port: number, dir: string): ChildProcess {
  return spawnServer("nats-server", ["-js", "-a", host, "-p", String(port), "-sd", dir], natsEnv());
}

/** `persist`: an append-only file in `dir`, so a Redis stopped and started again keeps its data (outage drills). */
function startRedis(host: string, port: number, dir: string, persist = false): ChildProcess {
  return spawnServer("redis-server", [
    "--bind",
    host,
    "--port",
    String(port),
    "--save",
    "",
    "--appendonly",
    persist ? "yes" : "no",
    "--dir",
    dir,
  ]);
}

/**
 * Uses NATS and Redis where the URLs point when they answer; otherwise starts them from PATH on
 * those addresses, or fails with a message that says how to install them.
 */
export async function ensureInfra(natsUrl: string, redisUrl: string, dataDir: string): Promise<Infra> {
  const children: ChildProcess[] = [];
  const started: string[] = [];
  const reused: string[] = [];
  const nats = hostPortOf(natsUrl.split(",")[0]!, 4222);
  const redis = hostPortOf(redisUrl, 6379);
  try {
    if (await isListening(nats.host, nats.port)) reused.push(`NATS at ${nats.host}:${nats.port}`);
    else {
      // A data folder per port, so two meshes on one host never share a JetStream store.
      children.push(startNats(nats.host, nats.port, join(dataDir, `nats-${nats.port}`)));
      await waitFor(() => isListening(nats.host, nats.port), 10_000, `nats-server on ${nats.host}:${nats.port}`);
      started.push(`nats-server on ${nats.host}:${nats.port}`);
    }
    if (await isListening(redis.host, redis.port)) reused.push(`Redis at ${redis.host}:${redis.port}`);
    else {
      children.push(startRedis(redis.host, redis.port, dataDir));
      await waitFor(() => isListening(redis.host, redis.port), 10_000, `redis-server on ${redis.host}:${redis.port}`);
      started.push(`redis-server on ${redis.host}:${redis.port}`);
    }
  } catch (error) {
    await Promise.all(children.map(stopChild));
    throw error;
  }
  return { natsUrl, redisUrl, started, reused, stop: async () => void (await Promise.all(children.map(stopChild))) };
}

export interface PrivateServer {
  url: string;
  /** Stops the server but keeps its port and data, so `resume` brings the same server back (outage tests). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

async function startPrivate(kind: "nats" | "redis", persist = false): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-${kind}-`));
  const port = await freePort();
  const launch = () => (kind === "nats" ? startNats("127.0.0.1", port, join(dir, "nats")) : startRedis("127.0.0.1", port, dir, persist));
  const listening = () => waitFor(() => isListening("127.0.0.1", port), 10_000, `test ${kind} server`);
  let child: ChildProcess | undefined = launch();
  const pause = async () => {
    if (child) await stopChild(child);
    child = undefined;
  };
  const stop = async () => {
    await pause();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await listening();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `${kind}://127.0.0.1:${port}`,
    pause,
    resume: async () => {
      child ??= launch();
      await listening();
    },
    stop,
  };
}

/** A private redis-server on a free loopback port, for tests; `persist` keeps its data across `pause`/`resume`. */
export const startPrivateRedis = (options: { persist?: boolean } = {}) => startPrivate("redis", options.persist);
/** A private nats-server with JetStream on a free loopback port, for tests. */
export const startPrivateNats = () => startPrivate("nats");

/** Starts a private nats-server (JetStream) and redis-server on free loopback ports, for tests. */
export async function startIsolatedInfra(options: { persistentRedis?: boolean } = {}): Promise<Infra> {
  const [nats, redis] = await Promise.all([startPrivateNats(), startPrivateRedis({ persist: options.persistentRedis === true })]);
  return {
    natsUrl: nats.url,
    redisUrl: redis.url,
    nats,
    redis,
    started: ["nats-server", "redis-server"],
    reused: [],
    stop: async () => void (await Promise.all([nats.stop(), redis.stop()])),
  };
}
