// The bench's helper processes: the fake upstream and the load generator, each its own process.
import { type ChildProcess, fork, spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { FromLoadgen, Job, RunResult, ToLoadgen, Window } from "./loadgen-protocol.js";

const HERE = dirname(fileURLToPath(import.meta.url));

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Forks `module`, a bench script that runs a child role from its arguments, and resolves once the
 * child reports the port it listens on over IPC.
 */
export async function forkReportingPort(module: string, args: string[]): Promise<{ process: ChildProcess; port: number }> {
  const child = fork(module, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const [message] = (await once(child, "message")) as [{ port: number }];
  return { process: child, port: message.port };
}

export class Upstream {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<Upstream> {
    // The IPC channel is only there so the upstream exits when the bench dies ("disconnect").
    const child = spawn(process.execPath, [join(HERE, "upstream.js")], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
    const lines = createInterface({ input: child.stdout! });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the fake upstream did not start within 10 s")), 10_000);
      child.once("exit", (code) => reject(new Error(`the fake upstream exited (code ${code})`)));
      lines.once("line", (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
    return new Upstream(child, port);
  }

  /** TCP connections accepted and chat requests served so far. */
  async stats(): Promise<{ connections: number; requests: number }> {
    const response = await fetch(`${this.origin}/_bench/stats`);
    return (await response.json()) as { connections: number; requests: number };
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

export interface RunHooks {
  onWindow?: (window: Window) => void;
  onHolding?: (info: { open: number; failed: number; elapsedMs: number }) => void | Promise<void>;
}

export class LoadGen {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void; hooks: RunHooks }>();

  private constructor(readonly child: ChildProcess) {
    child.on("message", (message: FromLoadgen) => {
      if (message.type === "ready") return;
      const entry = this.pending.get(message.id);
      if (!entry) return;
      if (message.type === "result") {
        this.pending.delete(message.id);
        entry.resolve(message.result);
      } else if (message.type === "failed") {
        this.pending.delete(message.id);
        entry.reject(new Error(`load generator: ${message.message}`));
      } else if (message.type === "window") entry.hooks.onWindow?.(message.window);
      else if (message.type === "holding") void entry.hooks.onHolding?.(message);
    });
    child.once("exit", (code) => {
      for (const entry of this.pending.values()) entry.reject(new Error(`the load generator exited (code ${code})`));
      this.pending.clear();
    });
  }

  static async start(): Promise<LoadGen> {
    const child = fork(join(HERE, "loadgen.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    await new Promise<void>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`the load generator exited during start (code ${code})`)));
      child.once("message", () => resolve());
    });
    return new LoadGen(child);
  }

  run(job: Omit<Job, "id">, hooks: RunHooks = {}): Promise<RunResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, hooks });
      this.child.send({ type: "run", job: { ...job, id } } satisfies ToLoadgen);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.send({ type: "exit" } satisfies ToLoadgen);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
