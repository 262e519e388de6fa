import { fromJsonString } from "@bufbuild/protobuf";
import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type UsageEvent, UsageEventSchema } from "@switchyard/proto";
import type { Logger } from "@switchyard/telemetry";
import { USAGE_STREAM, USAGE_SUBJECTS } from "./subjects.js";
import { ensureUsageStream } from "./usage-stream.js";

export interface UsageConsumer {
  /** Stops pulling; the handler finishes the message in hand. */
  stop(): Promise<void>;
  lastActivity(): number;
}

/**
 * Runs a durable JetStream consumer over every usage event: the handler's success acks the
 * message; a thrown error asks for redelivery later, so nothing is lost while Redis is down.
 * Redelivered messages reach the handler again, which must therefore be idempotent per request id.
 */
export async function consumeUsage(
  connection: NatsConnection,
  durable: string,
  logger: Logger,
  handle: (event: UsageEvent, subject: string) => Promise<void>,
  concurrency = 128,
): Promise<UsageConsumer> {
  await ensureUsageStream(connection);
  const manager = await jetstreamManager(connection);
  try {
    await manager.consumers.info(USAGE_STREAM, durable);
  } catch {
    await manager.consumers.add(USAGE_STREAM, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: USAGE_SUBJECTS,
      ack_wait: 30 * 1e9,
      max_deliver: -1,
    });
  }
  const consumer = await jetstream(connection).consumers.get(USAGE_STREAM, durable);
  const messages = await consumer.consume({ max_messages: 512 });
  let last = Date.now();
  const settle = async (message: JsMsg) => {
    let event: UsageEvent;
    try {
      event = fromJsonString(UsageEventSchema, message.string(), { ignoreUnknownFields: true });
    } catch (error) {
      logger.error({ err: error, subject: message.subject, seq: message.seq }, "unreadable usage event, discarding");
      message.term();
      return;
    }
    try {
      await handle(event, message.subject);
      message.ack();
    } catch (error) {
      logger.warn({ err: error, requestId: event.requestId }, "usage event handling failed, will retry");
      message.nak(1_000);
    }
  };
  // Events are independent (handlers are idempotent per request id), so many are handled at once:
  // their Redis commands share round trips instead of waiting for each other.
  const inFlight = new Set<Promise<void>>();
  const done = (async () => {
    for await (const message of messages) {
      last = Date.now();
      const work = settle(message).finally(() => inFlight.delete(work));
      inFlight.add(work);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  })();
  return {
    lastActivity: () => last,
    stop: async () => {
      await messages.close();
      await done;
    },
  };
}
