import type { ProviderConfig } from "@switchyard/config";
import { Cancellation } from "@switchyard/grpc";
import { createLogger } from "@switchyard/telemetry";
import type { AdapterContext } from "../providers/types.js";

export const silentLogger = createLogger("connector-test", "silent");

/** An adapter context for tests. */
export function adapterContext(
  model: string,
  options: { signal?: AbortSignal; provider?: ProviderConfig; requestId?: string } = {},
): AdapterContext {
  return {
    requestId: options.requestId ?? "req-1",
    deployment: { id: `test/${model}`, model },
    provider: options.provider ?? { name: "mock", kind: "mock", enabled: true },
    ...cancellationFields(options.signal),
    logger: silentLogger,
    debug: false,
  };
}

function cancellationFields(signal: AbortSignal | undefined): Pick<AdapterContext, "cancellation" | "signal"> {
  const cancellation = signal ? Cancellation.following(signal) : new Cancellation();
  return { cancellation, signal: signal ?? cancellation.signal };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
