// A Node service's live memory: its JS heap in use plus Buffer memory right after a full garbage
// collection, asked of the process through its inspector. RSS moves by tens of megabytes with
// every GC and allocator whim, and the heap in use between collections carries whatever garbage
// has piled up since the last one, which buries what 1,000 idle streams add. After a forced full
// GC only what is reachable is left.
//
// The services are started with `--inspect-port` (which opens nothing) and the inspector is
// switched on with SIGUSR1 only when it is needed, so the measured runs before it see no inspector.
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocket } from "undici";
import type { StreamsResult } from "./types.js";

export interface InspectTarget {
  name: string;
  pid: number;
  /** The port given as `--inspect-port=127.0.0.1:<port>`. */
  inspectPort: number;
}

/** How long a process gets to open its inspector after SIGUSR1, and to answer each command. */
const OPEN_TIMEOUT_MS = 5_000;
const CALL_TIMEOUT_MS = 30_000;

/**
 * Per target, the JS heap in use + external memory (Buffers, array buffers) after two full GCs, in
 * bytes. A target whose inspector cannot be reached is left out.
 */
export async function liveMemory(targets: readonly InspectTarget[], openTimeoutMs = OPEN_TIMEOUT_MS): Promise<Record<string, number>> {
  const live: Record<string, number> = {};
  // One at a time: a full GC is a pause, and two at once would share the two cores.
  for (const target of targets) {
    const bytes = await liveMemoryOf(target, openTimeoutMs).catch(() => undefined);
    if (bytes !== undefined) live[target.name] = bytes;
  }
  return live;
}

async function liveMemoryOf(target: InspectTarget, openTimeoutMs: number): Promise<number> {
  const session = await InspectorSession.open(await debuggerUrl(target, openTimeoutMs), openTimeoutMs);
  try {
    // The second collection takes what the first one's finalizers and weak callbacks let go.
    await session.call("HeapProfiler.collectGarbage");
    await session.call("HeapProfiler.collectGarbage");
    const reply = (await session.call("Runtime.evaluate", {
      expression: "JSON.stringify(process.memoryUsage())",
      returnByValue: true,
    })) as {
      result?: { value?: unknown };
    };
    const usage = JSON.parse(String(reply.result?.value)) as { heapUsed: number; external: number };
    if (!Number.isFinite(usage.heapUsed) || !Number.isFinite(usage.external)) throw new Error("process.memoryUsage() gave no figures");
    return usage.heapUsed + usage.external;
  } finally {
    session.close();
  }
}

/** The process's debugger WebSocket URL, switching its inspector on first when it is off. */
async function debuggerUrl(target: InspectTarget, openTimeoutMs: number): Promise<string> {
  const listUrl = `http://127.0.0.1:${target.inspectPort}/json/list`;
  const read = async () => {
    const response = await fetch(listUrl, { signal: AbortSignal.timeout(1_000) });
    const list = (await response.json()) as { webSocketDebuggerUrl?: string }[];
    const url = list[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`${target.name}: the inspector lists no target`);
    return url;
  };
  try {
    return await read();
  } catch {
    process.kill(target.pid, "SIGUSR1");
  }
  const deadline = performance.now() + openTimeoutMs;
  for (;;) {
    await sleep(50);
    try {
      return await read();
    } catch (error) {
      if (performance.now() > deadline) throw error;
    }
  }
}

/** The Chrome DevTools protocol over one WebSocket: a call sends a command and waits for its reply. */
class InspectorSession {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const waiter = message.id === undefined ? undefined : this.waiting.get(message.id);
      if (!waiter) return; // an event, not a reply
      this.waiting.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
    socket.addEventListener("close", () => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error("the inspector closed the session"));
      this.waiting.clear();
    });
  }

  static async open(url: string, timeoutMs: number): Promise<InspectorSession> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no inspector session at ${url}`)), timeoutMs);
      const settle = (error?: Error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      socket.addEventListener("open", () => settle(), { once: true });
      socket.addEventListener("error", () => settle(new Error(`no inspector session at ${url}`)), { once: true });
    });
    return new InspectorSession(socket);
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${method}: no reply within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.waiting.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * What an open stream costs the gateway: the larger of the RSS and the live-memory figures. RSS
 * sees native memory (sockets, HTTP/2 sessions) the JS heap does not, but a GC can hide megabytes
 * from it; live memory is exact for what JavaScript holds and blind to native memory. Either
 * alone can read low.
 */
export function streamCostBytes(streams: Pick<StreamsResult, "bytesPerStream" | "heapBytesPerStream">): number {
  return Math.max(streams.bytesPerStream, streams.heapBytesPerStream ?? Number.NEGATIVE_INFINITY);
}
