// What this machine charges for process hops, with no gateway code at all: one request at a
// time through a chain of trivial Node relays (a TCP socket in, the same bytes out to the next
// process, the answer back), ending at an echo process. `relays: 0` is client → echo, the shape of
// the bench's baseline; `relays: 2` has the process hops of the gateway's full path
// (client → ingress → connector → upstream). The difference is the floor under "added latency"
// that no gateway made of separate processes can go below on this machine.
//
// `placement` says where the processes run: `any` (where the scheduler puts them), `one-core`
// (all on CPU 0: every hand-over is a switch on one core) or `alternate` (neighbours on CPUs 0 and
// 1: every hand-over wakes the other core). The last two need `taskset` (util-linux); their
// difference is what waking the other core costs, which on some virtual machines is most of a hop.
//
//   node bench/dist/relay-chain.js [requests] [max relays]
import { type ChildProcess, execFileSync } from "node:child_process";
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { forkReportingPort } from "./helpers.js";
import { type Summary, summarize } from "./stats.js";

export interface ChainResult {
  relays: number;
  latency: Summary;
  /** Share of round trips slower than 1 ms. */
  over1ms: number;
}

const MESSAGE = Buffer.alloc(512, 120);

/** Runs in each child: `echo`, or `relay <next port>`; prints its port on IPC. */
async function child(role: string, nextPort?: number): Promise<void> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    if (role === "echo") {
      socket.on("data", (data) => socket.write(data));
      return;
    }
    const next = connect(nextPort!, "127.0.0.1");
    next.setNoDelay(true);
    socket.on("data", (data) => next.write(data));
    next.on("data", (data) => socket.write(data));
    socket.on("close", () => next.destroy());
  });
  server.listen(0, "127.0.0.1", () => process.send!({ port: (server.address() as { port: number }).port }));
  process.on("disconnect", () => process.exit(0));
}

const start = (args: string[]) => forkReportingPort(fileURLToPath(import.meta.url), args);

/** Whether `taskset` (util-linux) can pin processes here, on a machine with at least two CPUs. */
export function canPin(): boolean {
  if (availableParallelism() < 2) return false;
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export type Placement = "any" | "one-core" | "alternate";

/** Pins every thread of `pid` to one CPU. */
function pin(pid: number, cpu: number): void {
  execFileSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" });
}

/** Runs `work` with this process's main thread on CPU 0 (children forked meanwhile inherit it), then gives it back the CPUs it had. */
async function onCpu0<T>(work: () => Promise<T>): Promise<T> {
  const mask = /:\s*([0-9a-f,]+)\s*$/i.exec(execFileSync("taskset", ["-p", String(process.pid)], { encoding: "utf8" }))?.[1];
  execFileSync("taskset", ["-p", "-c", "0", String(process.pid)], { stdio: "ignore" });
  try {
    return await work();
  } finally {
    if (mask) execFileSync("taskset", ["-p", mask, String(process.pid)], { stdio: "ignore" });
  }
}

/** One request at a time, `count` of them after a warm-up, through `relays` relays. */
export async function measureChain(relays: number, count: number, placement: Placement = "any"): Promise<ChainResult> {
  if (placement !== "any") return onCpu0(() => runChain(relays, count, placement));
  return runChain(relays, count, placement);
}

async function runChain(relays: number, count: number, placement: Placement): Promise<ChainResult> {
  const started: ChildProcess[] = [];
  // Position in the chain counted from this process (0): the echo is last, relays come before it.
  const place = (child: ChildProcess, position: number) => {
    if (placement === "alternate") pin(child.pid!, position % 2);
  };
  try {
    let hop = await start(["echo"]);
    started.push(hop.process);
    place(hop.process, relays + 1);
    for (let i = 0; i < relays; i++) {
      hop = await start(["relay", String(hop.port)]);
      started.push(hop.process);
      place(hop.process, relays - i);
    }
    const socket: Socket = connect(hop.port, "127.0.0.1");
    socket.setNoDelay(true);
    await once(socket, "connect");
    const roundTrip = () =>
      new Promise<number>((resolve) => {
        let received = 0;
        const t0 = performance.now();
        const onData = (data: Buffer) => {
          received += data.length;
          if (received < MESSAGE.length) return;
          socket.off("data", onData);
          resolve(performance.now() - t0);
        };
        socket.on("data", onData);
        socket.write(MESSAGE);
      });
    for (let i = 0; i < Math.min(2_000, count); i++) await roundTrip();
    const samples = new Float64Array(count);
    for (let i = 0; i < count; i++) samples[i] = await roundTrip();
    socket.destroy();
    const over = samples.reduce((n, ms) => n + (ms > 1 ? 1 : 0), 0);
    return { relays, latency: summarize(samples.sort()), over1ms: over / count };
  } finally {
    for (const proc of started) proc.kill();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [role, arg] = process.argv.slice(2);
  if (role === "echo" || role === "relay") await child(role, Number(arg));
  else {
    const count = Number(role ?? 5_000);
    const maxRelays = Number(arg ?? 2);
    const placements: Placement[] = canPin() ? ["any", "one-core", "alternate"] : ["any"];
    for (const placement of placements) {
      for (let relays = 0; relays <= maxRelays; relays++) {
        const { latency: l, over1ms } = await measureChain(relays, count, placement);
        console.log(
          `${placement.padEnd(10)} ${relays} relay${relays === 1 ? " " : "s"}: p50 ${l.p50.toFixed(3)}  p90 ${l.p90.toFixed(3)}  p99 ${l.p99.toFixed(3)}  p99.9 ${l.p999.toFixed(3)} ms; over 1 ms: ${(over1ms * 100).toFixed(2)}%`,
        );
      }
    }
  }
}
