import type { HandlersOf } from "@switchyard/grpc";
import type { CacheService } from "@switchyard/proto";
import { type ResponseCache, scopedKey } from "@switchyard/response-cache";
import type { Logger } from "@switchyard/telemetry";

/**
 * The cache service's handlers. A Redis failure is a miss (or a store not made), never an error
 * for the caller. The semantic cache is not built yet: its calls answer "miss".
 */
export function cacheHandlers(cache: ResponseCache, logger: Logger): HandlersOf<typeof CacheService> {
  return {
    async lookup(request) {
      try {
        const key = scopedKey(request.namespace || "global", request.key);
        const hit = await cache.lookup(request.model, key);
        if (!hit) return { hit: false };
        const remainingMs = await cache.remainingTtlMs(request.model, key);
        return { hit: true, body: hit.body, deploymentId: hit.deploymentId, ttlRemainingS: Math.ceil(remainingMs / 1000), ttlRemainingMs: remainingMs };
      } catch (error) {
        logger.warn({ err: error }, "cache lookup failed, answering miss");
        return { hit: false };
      }
    },
    async store(request) {
      try {
        const ttlMs = request.ttlMs || request.ttlS * 1000;
        await cache.store(request.model, scopedKey(request.namespace || "global", request.key), request.body, request.deploymentId, ttlMs);
      } catch (error) {
        logger.warn({ err: error }, "cache store failed");
      }
      return {};
    },
    async purge(request) {
      const exactDeleted = await cache.purge(request.model || undefined, request.namespace || undefined);
      logger.info({ model: request.model || "*", namespace: request.namespace || "*", exact: exactDeleted }, "cache purged");
      return { exactDeleted, semanticDeleted: 0 };
    },
    async semanticLookup() {
      return { hit: false };
    },
    async semanticStore() {
      return {};
    },
  };
}
