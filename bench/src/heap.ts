// A Node service's live JavaScript memory, read from its Prometheus /metrics (prom-client's default
// gauges, collected at scrape time). RSS moves by tens of megabytes with every GC and allocator
// whim, which buries what 1,000 idle streams add; the heap in use at its lowest point over a few
// samples is close to what is live, because garbage only piles up between scavenges.
import { setTimeout as sleep } from "node:timers/promises";
import type { StreamsResult } from "./types.js";

const HEAP_USED = "switchyard_nodejs_heap_size_used_bytes";
const EXTERNAL = "switchyard_nodejs_external_memory_bytes";

/** How many readings a trough takes, and how far apart: 2 s in all, a few scavenges' worth. */
export const HEAP_SAMPLES = 10;
export const HEAP_SAMPLE_EVERY_MS = 200;

export interface HeapReading {
  heapUsed: number;
  /** Memory V8 tracks outside its heap: Buffers and other array buffers. */
  external: number;
}

export interface HeapTarget {
  name: string;
  /** Base URL serving GET /metrics. */
  opsUrl: string;
}

/** The two gauges from a Prometheus text exposition, or undefined when either is missing. */
export function parseHeapMetrics(text: string): HeapReading | undefined {
  let heapUsed: number | undefined;
  let external: number | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    // `name{labels} value`, the labels optional; a value may be followed by a timestamp.
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    if (match[1] === HEAP_USED) heapUsed = Number(match[2]);
    else if (match[1] === EXTERNAL) external = Number(match[2]);
  }
  if (heapUsed === undefined || external === undefined || !Number.isFinite(heapUsed) || !Number.isFinite(external)) return undefined;
  return { heapUsed, external };
}

/** Per target, the lowest heapUsed + external over the samples, in bytes; a target that never answered is left out. */
export async function heapTrough(targets: readonly HeapTarget[], samples = HEAP_SAMPLES, everyMs = HEAP_SAMPLE_EVERY_MS): Promise<Record<string, number>> {
  const lowest: Record<string, number> = {};
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(everyMs);
    await Promise.all(
      targets.map(async (target) => {
        const reading = await readHeap(target.opsUrl);
        if (!reading) return;
        const bytes = reading.heapUsed + reading.external;
        lowest[target.name] = Math.min(lowest[target.name] ?? Number.POSITIVE_INFINITY, bytes);
      }),
    );
  }
  return lowest;
}

async function readHeap(opsUrl: string): Promise<HeapReading | undefined> {
  try {
    const response = await fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return undefined;
    return parseHeapMetrics(await response.text());
  } catch {
    return undefined;
  }
}

/**
 * What an open stream costs the gateway: the larger of the RSS and the JS heap figures. RSS sees
 * native memory (sockets, HTTP/2 sessions) the heap does not, but a GC can hide megabytes from it;
 * the heap trough is steady but blind to native memory. Either alone can read low.
 */
export function streamCostBytes(streams: Pick<StreamsResult, "bytesPerStream" | "heapBytesPerStream">): number {
  return Math.max(streams.bytesPerStream, streams.heapBytesPerStream ?? Number.NEGATIVE_INFINITY);
}
