import type { Logger } from "@switchyard/telemetry";
import type { HandlersOf } from "@switchyard/grpc";
import type { CacheService } from "@switchyard/proto";
import type { ResponseCache } from "@switchyard/response-cache";

export function cacheHandlers(cache: ResponseCache, logger: Logger): HandlersOf<typeof CacheService> {
  return {
    async lookup(request) {
      try {
        const hit = await cache.lookup(request.model, request.key);
        if (!hit) return { hit: false };
        return { hit: true, body: hit.body, deploymentId: hit.deploymentId, ttlRemainingS: await cache.remainingTtlS(request.model, request.key) };
      } catch (error) {
        logger.warn({ err: error }, "cache lookup failed, answering miss");
        return { hit: false };
      }
    },
    async store(request) {
      try {
        await cache.store(request.model, request.key, request.body, request.deploymentId, request.ttlS);
      } catch (error) {
        logger.warn({ err: error }, "cache store failed");
      }
      return {};
    },
  };
}
