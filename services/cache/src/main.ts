import { SERVICE_PORTS, portOf } from "@switchyard/config";
import { startGrpcServer } from "@switchyard/grpc";
import { CacheService } from "@switchyard/proto";
import { runService } from "@switchyard/service-kit";
import { cacheSettingsFrom, connectCacheRedis, ResponseCache } from "@switchyard/response-cache";
import { cacheHandlers } from "./handlers.js";

await runService("cache", SERVICE_PORTS.cache.ops, async ({ env, config, logger }) => {
  const redis = connectCacheRedis(env.REDIS_URL, (error) => logger.warn({ err: error.message }, "redis error"));
  const cache = new ResponseCache(redis, cacheSettingsFrom(config.cache, env.SWITCHYARD_REDIS_PREFIX));
  const server = await startGrpcServer(
    env.GRPC_HOST,
    portOf(env.GRPC_PORT, SERVICE_PORTS.cache.grpc),
    (s) => s.add(CacheService, cacheHandlers(cache, logger)),
    (error, method) => logger.error({ err: error, method }, "handler failed"),
    env.GRPC_SOCKET,
  );
  return {
    readiness: () => (redis.status === "ready" ? [] : [`redis is ${redis.status}`]),
    shutdown: [
      ["grpc server", () => server.shutdown()],
      ["redis", () => redis.quit()],
    ],
    details: { grpcPort: server.port, enabled: config.cache.enabled, ttlS: config.cache.ttl_s },
  };
});
