import { createLogger } from "@switchyard/telemetry";

export const silentLogger = createLogger("fake-upstreams", "silent");

/** Rate-limit state as an adapter reports it (the connector's `RateLimitInfo`). */
export type ReportedLimits = Record<string, number | undefined>;

/**
 * A provider call for adapter tests (the shape of the connector's `ProviderCall`), recording what
 * the adapter reports. `signal` cancels it.
 */
export function testCall(model: string, options: { signal?: AbortSignal; requestId?: string } = {}) {
  const limits: ReportedLimits[] = [];
  return {
    requestId: options.requestId ?? "req-1",
    deployment: { id: `test/${model}`, model },
    signal: options.signal ?? new AbortController().signal,
    logger: silentLogger,
    reportLimits(reported: ReportedLimits): void {
      limits.push(reported);
    },
    /** What `reportLimits` was given, in order. */
    limits,
  };
}

/** Every item of an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
