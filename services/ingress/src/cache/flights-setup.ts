import type { CacheConfig } from "@switchyard/config";
import { type connectCacheRedis, connectPresenceSubscriber, Flights } from "@switchyard/response-cache";
import type { Logger } from "@switchyard/telemetry";

/** Stampede protection over the cache's Redis, with a subscription connection of its own; none when turned off. */
export function coalesceFlights(
  url: string,
  redis: ReturnType<typeof connectCacheRedis>,
  owner: string,
  cache: CacheConfig,
  prefix: string,
  logger: Logger,
): Flights | undefined {
  if (!cache.enabled || !cache.coalesce.enabled) return undefined;
  let lastWarning = 0;
  const warn = (error: unknown) => {
    // One line a second at most while Redis is away.
    const now = Date.now();
    if (now - lastWarning < 1_000) return;
    lastWarning = now;
    logger.warn({ err: error }, "cache flight step failed: identical requests may each go upstream meanwhile");
  };
  const subscriber = cache.coalesce.across_replicas ? connectPresenceSubscriber(url, (error) => warn(error)) : undefined;
  return new Flights(redis, subscriber, { prefix, owner, leaseMs: cache.coalesce.lease_ms, onError: warn });
}
