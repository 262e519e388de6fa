import { connectBus, consumeUsage, type NatsConnection, type UsageRecord } from "@switchyard/bus";
import type { Env, GatewayConfig } from "@switchyard/config";
import { runService, type StartedService } from "@switchyard/service-kit";
import { Counter, Gauge, type Logger, type Registry, SpanKind, startSpan, tracingEnabled } from "@switchyard/telemetry";
import { Redis } from "ioredis";

export interface UsageConsumerSpec {
  /** Service name; also the durable consumer's name on SWITCHYARD_USAGE, so replicas split the work. */
  name: string;
  /** OPS_PORT when the environment does not set one. */
  defaultOpsPort: number;
  /** Counter of events handled, labelled `result`: `applied` for new events, `duplicate` for redeliveries. */
  metric: { name: string; help: string; applied: string };
  /**
   * Builds the service's handler over its Redis client. The handler stores a batch idempotently
   * per request id and resolves to how many of its events were new; throwing redelivers the batch.
   */
  createHandler?(context: {
    redis: Redis;
    env: Env;
    logger: Logger;
    nats: NatsConnection;
    config: GatewayConfig;
  }): (records: UsageRecord[]) => Promise<number>;
  /** Instead of `createHandler`, for a service that keeps its own store rather than Redis (the logger). */
  openStore?(context: { env: Env; config: GatewayConfig; logger: Logger; registry: Registry }): Promise<UsageStore>;
}

/** A store of the service's own: its handler, readiness, extra ops routes and how it closes. */
export interface UsageStore extends Pick<StartedService, "routes" | "details"> {
  handle(records: UsageRecord[]): Promise<number>;
  readiness(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * The life of a usage-event service (budget, logger): a durable consumer over every usage event,
 * a Redis client or the service's own store, a counter and the consumer's lag, readiness (store
 * ready, NATS open) and an orderly shutdown.
 */
export function runUsageConsumer(spec: UsageConsumerSpec): Promise<void> {
  return runService(spec.name, spec.defaultOpsPort, async ({ env, config, logger, registry }) => {
    const store = spec.openStore ? await spec.openStore({ env, config, logger, registry }) : undefined;
    // One Redis call per batch already: auto-pipelining would only add a tick per call.
    const redis = store ? undefined : new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2 });
    redis?.on("error", (error: Error) => logger.warn({ err: error.message }, "redis error"));
    const nats = await connectBus(env.NATS_URL, `switchyard-${spec.name}`, logger);
    const handle = store
      ? (records: UsageRecord[]) => store.handle(records)
      : spec.createHandler!({ redis: redis!, env, logger, nats, config });
    const handled = new Counter({ name: spec.metric.name, help: spec.metric.help, labelNames: ["result"], registers: [registry] });
    const consumer = await consumeUsage(nats, {
      durable: spec.name,
      logger,
      handleBatch: async (records) => {
        // One span per traced event, in its request's trace, for the time its batch takes to store.
        const spans = tracingEnabled
          ? records.flatMap((r) =>
              r.traceparent
                ? [
                    startSpan(`${spec.name} usage event`, SpanKind.CONSUMER, r.traceparent, {
                      "messaging.system": "nats",
                      "messaging.destination.name": r.subject,
                      request_id: r.requestId,
                    })!.span,
                  ]
                : [],
            )
          : [];
        const applied = await handle(records).finally(() => {
          for (const span of spans) span.end();
        });
        handled.inc({ result: spec.metric.applied }, applied);
        if (applied < records.length) handled.inc({ result: "duplicate" }, records.length - applied);
      },
    });
    new Gauge({
      name: "switchyard_usage_consumer_pending_events",
      help: "Usage events in JetStream this service's durable consumer has not acknowledged yet (its lag)",
      labelNames: ["durable"],
      registers: [registry],
      async collect() {
        const lag = await consumer.lag().catch(() => undefined);
        if (lag !== undefined) this.set({ durable: spec.name }, lag);
      },
    });
    const natsProblems = () => (nats.isClosed() ? ["nats connection closed"] : []);
    return {
      readiness: async () => [
        ...(store ? await store.readiness() : redis!.status === "ready" ? [] : [`redis is ${redis!.status}`]),
        ...natsProblems(),
      ],
      shutdown: [
        ["consumer", () => consumer.stop()],
        ["nats", () => nats.drain()],
        store ? ["store", () => store.close()] : ["redis", () => redis!.quit()],
      ],
      details: { durable: spec.name, ...store?.details },
      ...(store?.routes ? { routes: store.routes } : {}),
    };
  });
}
