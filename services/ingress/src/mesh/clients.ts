import { randomUUID } from "node:crypto";
import { CONTROL_INVALIDATE_SUBJECT, connectBus, ensureUsageStream, type NatsConnection, UsagePublisher } from "@switchyard/bus";
import type { Env, GatewayConfig } from "@switchyard/config";
import { type ClientOf, createClient } from "@switchyard/grpc";
import { type AuthorizeResponse, CacheService, type PlanResponse, PolicyService, RouterService } from "@switchyard/proto";
import {
  type CacheSettings,
  cacheSettingsFrom,
  connectCacheRedis,
  connectPresenceSubscriber,
  type Flights,
  PresenceIndex,
  ResponseCache,
} from "@switchyard/response-cache";
import type { Logger } from "@switchyard/telemetry";
import { Redis } from "ioredis";
import { coalesceFlights } from "../cache/flights-setup.js";
import { ConnectorPool } from "./connector-pool.js";
import { DecisionCache, digestKey } from "./decision-cache.js";
import { HedgeBudget } from "./hedge-budget.js";
import { IN_FLIGHT_SUBJECT, SharedInFlight } from "./in-flight.js";
import { LocalHealth } from "./local-health.js";
import { createLogReader, type LogReader } from "./log-reader.js";
import { PlanFallback } from "./plan-fallback.js";

/** Policy decisions and router plans the ingress may reuse (each service says for how long). */
export interface Decisions {
  auth: DecisionCache<AuthorizeResponse>;
  plans: DecisionCache<PlanResponse>;
}

export function createDecisions(): Decisions {
  // Auth decisions are looked up by client key and model: only the key's digest is kept.
  return { auth: new DecisionCache(10_000, digestKey), plans: new DecisionCache() };
}

/** What this ingress knows about deployments between plans: its own failures and the in-flight counts of every ingress. */
export interface RoutingState {
  health: LocalHealth;
  inFlight: SharedInFlight;
  hedges: HedgeBudget;
}

export function createRoutingState(bus?: { publish(subject: string, data: string): void }): RoutingState {
  return { health: new LocalHealth(), inFlight: new SharedInFlight(randomUUID(), bus), hedges: new HedgeBudget() };
}

/** Everything the ingress talks to. Tests substitute their own. */
export interface MeshClients {
  policy: ClientOf<typeof PolicyService>;
  /** Exact-match answers, read and written in Redis directly: a lookup is one Redis round trip, not a service hop. */
  cache: Pick<ResponseCache, "lookup" | "storeSoon"> & Partial<Pick<ResponseCache, "keyOf">>;
  /** Stampede protection across replicas; absent when `cache.coalesce` is off. */
  flights?: Pick<Flights, "join">;
  /** The cache service: semantic lookups and stores, and purges. */
  cacheService?: ClientOf<typeof CacheService>;
  router: ClientOf<typeof RouterService>;
  connectors: Pick<ConnectorPool, "pick" | "providers">;
  usage: Pick<UsagePublisher, "publish">;
  decisions: Decisions;
  routing: RoutingState;
  /** Plans for while the router cannot be reached; without it a router outage fails requests. */
  planFallback?: PlanFallback;
  /** The index that lets cache misses skip Redis; absent when the cache or the index is off. */
  cacheIndex?: Pick<PresenceIndex, "size" | "isSynced">;
  /** The logger's request log; absent in tests that do not need it. */
  logs?: LogReader;
  /** Where rate limits are counted and spend is read; absent: each replica limits on its own. */
  limitsRedis?: Redis;
  redisPrefix?: string;
  /** Problems that make the ingress unready; empty when ready. */
  readiness(): string[];
  close(): Promise<void>;
}

export async function connectMesh(env: Env, config: GatewayConfig, logger: Logger): Promise<MeshClients & { publisher: UsagePublisher }> {
  const policy = createClient(PolicyService, env.SWITCHYARD_POLICY_ADDR);
  const router = createClient(RouterService, env.SWITCHYARD_ROUTER_ADDR);
  const redis = connectCacheRedis(env.REDIS_URL, (error) => logger.warn({ err: error.message }, "cache redis error"));
  const cacheSettings = cacheSettingsFrom(config.cache, env.SWITCHYARD_REDIS_PREFIX);
  const presence = followCacheKeys(env.REDIS_URL, redis, cacheSettings, logger);
  const cache = new ResponseCache(redis, cacheSettings, (error) => logger.warn({ err: error }, "cache store failed"), presence);
  const flights = coalesceFlights(env.REDIS_URL, redis, cache.owner, config.cache, cacheSettings.prefix, logger);
  const cacheService = createClient(CacheService, env.SWITCHYARD_CACHE_ADDR);
  const nats: NatsConnection = await connectBus(env.NATS_URL, "switchyard-ingress", logger);
  await ensureUsageStream(nats);
  const publisher = new UsagePublisher(nats, logger);
  const connectors = new ConnectorPool(nats, logger);
  const decisions = createDecisions();
  const routing = createRoutingState(nats);
  const inFlightReports = nats.subscribe(IN_FLIGHT_SUBJECT, { callback: (_error, message) => routing.inFlight.receive(message.string()) });
  // Its own connection: a rate-limit call must fail fast, not queue while Redis is away.
  const limitsRedis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1_000 });
  limitsRedis.on("error", () => {}); // the limiter reports its fallback itself
  const invalidations = nats.subscribe(CONTROL_INVALIDATE_SUBJECT, {
    callback: (_error, message) => {
      const scope = message.string();
      if (scope === "" || scope === "policy") decisions.auth.clear();
      if (scope === "" || scope === "router") decisions.plans.clear();
    },
  });
  // Open the channels now so the first request does not pay for connecting.
  for (const client of [policy, router]) client.waitForReady(5_000).catch(() => {});
  return {
    policy,
    cache,
    ...(flights ? { flights } : {}),
    cacheService,
    router,
    connectors,
    usage: publisher,
    publisher,
    decisions,
    routing,
    planFallback: new PlanFallback(config.models),
    logs: createLogReader(env.SWITCHYARD_LOGGER_URL),
    limitsRedis,
    redisPrefix: env.SWITCHYARD_REDIS_PREFIX,
    ...(presence ? { cacheIndex: presence } : {}),
    readiness: () => [
      ...(policy.isReady() ? [] : [`policy unreachable at ${policy.address}`]),
      ...(router.isReady() ? [] : [`router unreachable at ${router.address}`]),
      ...(nats.isClosed() ? ["nats connection closed"] : []),
    ],
    close: async () => {
      await Promise.all([publisher.flush(), cache.flush()]);
      invalidations.unsubscribe();
      inFlightReports.unsubscribe();
      routing.inFlight.close();
      connectors.close();
      for (const client of [policy, router, cacheService]) client.close();
      presence?.close();
      flights?.close();
      redis.disconnect();
      limitsRedis.disconnect();
      await nats.drain();
    },
  };
}

/** The index of stored cache keys that lets a cache miss skip Redis; none when the cache or the index is off. */
function followCacheKeys(
  url: string,
  redis: ReturnType<typeof connectCacheRedis>,
  settings: CacheSettings,
  logger: Logger,
): PresenceIndex | undefined {
  if (!settings.enabled || settings.indexMaxEntries === 0) return undefined;
  const subscriber = connectPresenceSubscriber(url, (error) => logger.warn({ err: error.message }, "cache index redis error"));
  return new PresenceIndex(redis, subscriber, {
    prefix: settings.prefix,
    maxEntries: settings.indexMaxEntries,
    onEvent: (event) => {
      if (event.kind === "synced")
        logger.info({ entries: event.entries, ms: event.ms }, "cache index ready: lookups for keys never stored skip Redis");
      else if (event.kind === "lost") logger.warn("cache index lost its subscription; every lookup reads Redis until it has scanned again");
      else if (event.kind === "scan_failed") logger.warn({ err: event.error }, "cache index scan failed; retrying");
      else
        logger.warn(
          { max_entries: event.maxEntries },
          "cache index holds more keys than cache.index_max_entries allows and is off; every lookup reads Redis",
        );
    },
  });
}
