import { LOCAL_EMBEDDER } from "@switchyard/config";
import type { HandlersOf } from "@switchyard/grpc";
import type { CacheService } from "@switchyard/proto";
import { type ResponseCache, scopedKey } from "@switchyard/response-cache";
import type { Logger } from "@switchyard/telemetry";
import type { SemanticCache } from "./semantic/semantic-cache.js";

/**
 * The cache service's handlers. A Redis failure is a miss (or a store not made), never an error
 * for the caller; semantic calls answer "miss" when the semantic cache is not running.
 */
export function cacheHandlers(cache: ResponseCache, logger: Logger, semantic?: SemanticCache): HandlersOf<typeof CacheService> {
  return {
    async lookup(request) {
      try {
        const key = scopedKey(request.namespace || "global", request.key);
        const hit = await cache.lookup(request.model, key);
        if (!hit) return { hit: false };
        const remainingMs = await cache.remainingTtlMs(request.model, key);
        return {
          hit: true,
          body: hit.body,
          deploymentId: hit.deploymentId,
          ttlRemainingS: Math.ceil(remainingMs / 1000),
          ttlRemainingMs: remainingMs,
        };
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
      const model = request.model || undefined;
      const namespace = request.namespace || undefined;
      const [exactDeleted, semanticDeleted] = await Promise.all([
        cache.purge(model, namespace),
        semantic ? semantic.purge(model, namespace) : 0,
      ]);
      logger.info({ model: model ?? "*", namespace: namespace ?? "*", exact: exactDeleted, semantic: semanticDeleted }, "cache purged");
      return { exactDeleted, semanticDeleted };
    },
    async semanticLookup(request) {
      // Another embedder's vector comes with the request: the caller ran that model.
      if (!semantic || (request.embedder !== LOCAL_EMBEDDER && request.vector.length === 0)) return { hit: false };
      try {
        const hit = await semantic.lookup(request, request.threshold, request.vector);
        return hit ? { hit: true, ...hit } : { hit: false };
      } catch (error) {
        logger.warn({ err: error }, "semantic lookup failed, answering miss");
        return { hit: false };
      }
    },
    async semanticStore(request) {
      if (!semantic || (request.embedder !== LOCAL_EMBEDDER && request.vector.length === 0)) return {};
      try {
        await semantic.store(request, request.body, request.deploymentId, request.ttlMs, request.vector);
      } catch (error) {
        logger.warn({ err: error }, "semantic store failed");
      }
      return {};
    },
  };
}
