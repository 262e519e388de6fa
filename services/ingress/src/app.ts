import { isUtf8 } from "node:buffer";
import type { GatewayConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { Gauge, Histogram, type Logger, MetricBatch, type Registry } from "@switchyard/telemetry";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { MeshClients } from "./mesh/clients.js";
import { requestIdFrom } from "./pipeline/request-id.js";
import { httpServerOptions, limitConnections } from "./plugins/connection-limits.js";
import { installErrorHandling } from "./plugins/error-handler.js";
import { lazyChildLogger } from "./plugins/lazy-request-logger.js";
import { chatCompletionsRoute } from "./routes/chat-completions.js";
import { embeddingsRoute } from "./routes/embeddings.js";
import { messagesRoute } from "./routes/messages.js";
import { responsesRoute } from "./routes/responses.js";
import { healthRoutes } from "./routes/health.js";
import { modelsRoutes } from "./routes/models.js";

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
}

/** The ingress as a fastify instance that has not started listening (tests use `inject`). */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    // Per-request log lines cost more than the rest of the hot path; usage events record requests.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "requestId" }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: options.config.limits.max_request_bytes,
    http: httpServerOptions(options.config.connections),
    requestIdHeader: false,
    genReqId: (request) => requestIdFrom(request.headers["x-request-id"]),
    return503OnClosing: true,
    ajv: {
      // Never coerce: a string where a number belongs is the client's bug, reported as a 400.
      // `unicode: false`: minLength counts UTF-16 units instead of walking every code point of a
      // long string such as a base64 image.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, verbose: true, unicode: false },
    },
  }) as unknown as FastifyInstance;

  limitConnections(app.server, options.config.connections);

  // JSON only: any other content type is a 415, not a string that fails validation later.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body: Buffer, done) => {
    if (body.length === 0) {
      done(Object.assign(new Error("empty body"), { code: "FST_ERR_CTP_EMPTY_JSON_BODY", statusCode: 400 }), undefined);
      return;
    }
    try {
      // Decoding would silently replace invalid bytes and serve a request the client did not send.
      if (!isUtf8(body)) throw new GatewayError("invalid_json", "The request body is not valid UTF-8.");
      const parsed: unknown = JSON.parse(body.toString("utf8"));
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new SyntaxError("the body must be a JSON object");
      }
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
      metricBatch.observe(duration, { route: request.routeOptions.url ?? "unknown", status: reply.raw.statusCode }, (performance.now() - started) / 1000),
    );
    done();
  });

  installErrorHandling(app);
  const controlTimeoutMs = options.controlTimeoutMs ?? 2_000;
  const generation = {
    cacheEnabled: options.config.cache.enabled,
    controlTimeoutMs,
    heartbeatMs: options.config.streaming.heartbeat_ms,
  };
  chatCompletionsRoute(app, options.mesh, generation);
  embeddingsRoute(app, options.mesh, generation);
  responsesRoute(app, options.mesh, generation);
  messagesRoute(app, options.mesh, generation);
  modelsRoutes(app, options.mesh, controlTimeoutMs);
  healthRoutes(app);
  return app;
}
