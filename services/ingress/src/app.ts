import { isUtf8 } from "node:buffer";
import type { GatewayConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { Gauge, Histogram, type Logger, MetricBatch, type Registry } from "@switchyard/telemetry";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { adminCacheRoutes } from "./cache/admin-cache-route.js";
import { CacheMetrics } from "./cache/cache-metrics.js";
import { remoteEmbedder } from "./cache/remote-embedder.js";
import { RequestCache } from "./cache/request-cache.js";
import type { MeshClients } from "./mesh/clients.js";
import { observeRequests } from "./observe/index.js";
import { requestIdFrom } from "./pipeline/request-id.js";
import { type ConnectionLimits, limitConnections, serverTimeouts } from "./plugins/connection-limits.js";
import { installErrorHandling } from "./plugins/error-handler.js";
import { parseJsonBody } from "./plugins/json-body.js";
import { lazyChildLogger } from "./plugins/lazy-request-logger.js";
import { createRequestPolicy } from "./policy/wiring.js";
import { adminRoutes } from "./routes/admin.js";
import { chatCompletionsRoute } from "./routes/chat-completions.js";
import { embeddingsRoute } from "./routes/embeddings.js";
import { healthRoutes } from "./routes/health.js";
import { logsRoutes } from "./routes/logs.js";
import { messagesRoute } from "./routes/messages.js";
import { modelsRoutes } from "./routes/models.js";
import { responsesRoute } from "./routes/responses.js";
import { uiRoutes } from "./routes/ui.js";
import { AJV_OPTIONS, gatewayKeywords } from "./schemas/keywords.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The body exactly as received, forwarded to connectors without another JSON pass. */
    rawBody?: Buffer;
  }
}

export interface AppOptions {
  config: GatewayConfig;
  mesh: MeshClients;
  logger: Logger;
  registry: Registry;
  controlTimeoutMs?: number;
  /** Time and connection limits of the HTTP server (main.ts reads them from the environment). */
  connections?: ConnectionLimits;
}

/** The ingress as a fastify instance that has not started listening (tests use `inject`). */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    // Per-request log lines cost more than the rest of the hot path; usage events record requests.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "request_id" }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: options.config.limits.max_request_bytes,
    requestIdHeader: false,
    genReqId: (request) => requestIdFrom(request.headers["x-request-id"]),
    return503OnClosing: true,
    ...(options.connections ? serverTimeouts(options.connections) : {}),
    ajv: {
      // Never coerce: a string where a number belongs is the client's bug, reported as a 400.
      customOptions: { ...AJV_OPTIONS },
      plugins: [gatewayKeywords],
    },
  }) as unknown as FastifyInstance;

  if (options.connections) limitConnections(app.server, options.connections);

  // JSON only: any other content type is a 415, not a string that fails validation later.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body: Buffer, done) => {
    if (body.length === 0) {
      done(Object.assign(new Error("empty body"), { code: "FST_ERR_CTP_EMPTY_JSON_BODY", statusCode: 400 }), undefined);
      return;
    }
    try {
      const parsed = parseJsonBody(body);
      request.rawBody = body;
      done(null, parsed);
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // Each request's observation is queued and applied with the others (see MetricBatch).
  const metricBatch = new MetricBatch();
  const duration = new Histogram({
    name: "switchyard_http_request_duration_seconds",
    help: "Time from request to response end, by route and status",
    labelNames: ["route", "status"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [options.registry],
    collect: metricBatch.flush,
  });
  const index = options.mesh.cacheIndex;
  if (index) {
    new Gauge({
      name: "switchyard_cache_index_entries",
      help: "Cache keys the presence index follows (lookups for any other key skip Redis); it switches off above cache.index_max_entries",
      registers: [options.registry],
      collect() {
        this.set(index.size);
      },
    });
    new Gauge({
      name: "switchyard_cache_index_synced",
      help: "1 while the presence index is trusted (cache misses skip Redis), 0 while every lookup reads Redis",
      registers: [options.registry],
      collect() {
        this.set(index.isSynced ? 1 : 0);
      },
    });
  }
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    const started = performance.now();
    reply.raw.once("close", () =>
      metricBatch.observe(
        duration,
        { route: request.routeOptions.url ?? "unknown", status: reply.raw.statusCode },
        (performance.now() - started) / 1000,
      ),
    );
    done();
  });

  installErrorHandling(app);
  const mesh = observeRequests(app, options.mesh, options);
  const controlTimeoutMs = options.controlTimeoutMs ?? 2_000;
  const policy = createRequestPolicy(options.mesh, options.config, options.logger, options.registry, controlTimeoutMs);
  const generation = {
    cache: new RequestCache(
      { ...options.mesh, embed: remoteEmbedder(options.mesh, controlTimeoutMs) },
      options.config,
      new CacheMetrics(options.registry),
      options.logger,
    ),
    coalesceWaitMs: options.config.cache.coalesce.wait_ms,
    controlTimeoutMs,
    heartbeatMs: options.config.streaming.heartbeat_ms,
    policy,
  };
  chatCompletionsRoute(app, mesh, generation);
  embeddingsRoute(app, mesh, generation);
  responsesRoute(app, mesh, generation);
  messagesRoute(app, mesh, generation);
  modelsRoutes(app, mesh, controlTimeoutMs);
  healthRoutes(app);
  logsRoutes(app, mesh, controlTimeoutMs);
  uiRoutes(app, mesh, controlTimeoutMs);
  adminCacheRoutes(app, mesh, controlTimeoutMs);
  adminRoutes(app, mesh, policy.verdicts, controlTimeoutMs);
  return app;
}
