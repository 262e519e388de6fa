import { portOf, SERVICE_PORTS, semanticCacheUsed } from "@switchyard/config";
import { startGrpcServer } from "@switchyard/grpc";
import { CacheService } from "@switchyard/proto";
import { cacheSettingsFrom, connectCacheRedis, connectPresenceSubscriber, ResponseCache } from "@switchyard/response-cache";
import { runService } from "@switchyard/service-kit";
import { cacheHandlers } from "./handlers.js";
import { LocalEmbedder } from "./semantic/local-embedder.js";
import { SemanticCache } from "./semantic/semantic-cache.js";
import { graphLibrary } from "./semantic/vector-index.js";

await runService("cache", SERVICE_PORTS.cache.ops, async ({ env, config, logger }) => {
  const redis = connectCacheRedis(env.REDIS_URL, (error) => logger.warn({ err: error.message }, "redis error"));
  const settings = cacheSettingsFrom(config.cache, env.SWITCHYARD_REDIS_PREFIX);
  const cache = new ResponseCache(redis, settings);
  const semantic = semanticCacheUsed(config.cache, config.models)
    ? new SemanticCache(
        redis,
        connectPresenceSubscriber(env.REDIS_URL, (error) => logger.warn({ err: error.message }, "semantic cache subscription error")),
        LocalEmbedder.load(),
        {
          prefix: settings.prefix,
          maxEntryBytes: settings.maxEntryBytes,
          onEvent: (event) => {
            if (event.kind === "loaded") logger.info({ entries: event.entries, ms: event.ms }, "semantic cache index loaded from redis");
            else logger.warn({ err: event.error }, "semantic cache index could not load; it fills again as answers are stored");
          },
        },
      )
    : undefined;
  if (semantic && !graphLibrary())
    logger.warn("hnswlib-node's addon is not built here: semantic lookups scan every entry of a scope (slower beyond a few thousand)");
  const server = await startGrpcServer(
    env.GRPC_HOST,
    portOf(env.GRPC_PORT, SERVICE_PORTS.cache.grpc),
    (s) => s.add(CacheService, cacheHandlers(cache, logger, semantic)),
    (error, method) => logger.error({ err: error, method }, "handler failed"),
    env.GRPC_SOCKET,
  );
  return {
    readiness: () => [
      ...(redis.status === "ready" ? [] : [`redis is ${redis.status}`]),
      ...(semantic?.isLoading ? ["semantic index loading from redis"] : []),
    ],
    shutdown: [
      ["grpc server", () => server.shutdown()],
      ["semantic cache", () => semantic?.close()],
      ["redis", () => redis.quit()],
    ],
    details: { grpcPort: server.port, enabled: config.cache.enabled, ttlS: config.cache.ttl_s, semantic: semantic !== undefined },
  };
});
