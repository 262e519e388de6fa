import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@switchyard/telemetry";
import { USAGE_STREAM, USAGE_SUBJECTS } from "./subjects.js";
import { type DecodedUsageEvent, decodeUsageEvent } from "./usage-codec.js";
import { ensureUsageStream } from "./usage-stream.js";

export interface UsageRecord extends DecodedUsageEvent {
  /** `switchyard.usage.<outcome>` */
  subject: string;
  /** The publishing request's W3C trace context, when it was traced. */
  traceparent?: string;
}

export interface UsageConsumerOptions {
  /** Durable consumer name on SWITCHYARD_USAGE; replicas sharing it split the events. */
  durable: string;
  logger: Logger;
  /**
   * Applies a batch of events and resolves once their effects are stored. Must be idempotent per
   * request id: a batch may come again (after a crash, or when this call throws, which hands the
   * whole batch back for redelivery a second later).
   */
  handleBatch: (records: UsageRecord[]) => Promise<void>;
  /** Most events handed to one `handleBatch` call. */
  maxBatch?: number;
  /** How long the first event of a batch waits for others (ms). */
  lingerMs?: number;
}

export interface UsageConsumer {
  /** Stops pulling; the events already received are handled (and acked) first. */
  stop(): Promise<void>;
  /** Events stored in the stream and not yet acknowledged by this durable (delivered or not). */
  lag(): Promise<number>;
}

/** Events the server may deliver before they are acked; also the pull size. */
const MAX_UNACKED = 1_024;
/** How long JetStream waits for an ack before delivering an event again. */
const ACK_WAIT_NS = 30 * 1e9;
const REDELIVER_FAILED_AFTER_MS = 1_000;

/**
 * Runs a durable JetStream consumer over every usage event, in batches: the events that arrive
 * within `lingerMs` of the first one (or while the previous batch is being stored) go to
 * `handleBatch` together — one Redis round trip for all of them — and each event is acked once its
 * batch is stored: at-least-once delivery, exactly-once effects with an idempotent handler.
 * Nothing is lost while Redis is down: failed batches come back.
 *
 * Acks stay explicit, one per event (they leave in one socket write): AckPolicy.All would let one
 * replica's ack cover events another replica of the same durable has not stored yet.
 */
export async function consumeUsage(connection: NatsConnection, options: UsageConsumerOptions): Promise<UsageConsumer> {
  const { durable, logger, handleBatch } = options;
  const maxBatch = options.maxBatch ?? 256;
  const lingerMs = options.lingerMs ?? 10;
  await ensureUsageStream(connection);
  await ensureDurable(connection, durable);
  const consumer = await jetstream(connection).consumers.get(USAGE_STREAM, durable);

  const received: JsMsg[] = [];
  let working: Promise<void> | undefined;

  const settle = async (batch: JsMsg[]) => {
    const records: UsageRecord[] = [];
    const readable: JsMsg[] = [];
    for (const message of batch) {
      try {
        const traceparent = message.headers?.get("traceparent");
        records.push({ ...decodeUsageEvent(message.string()), subject: message.subject, ...(traceparent ? { traceparent } : {}) });
        readable.push(message);
      } catch (error) {
        logger.error({ err: error, subject: message.subject, seq: message.seq }, "unreadable usage event, discarding");
        message.term();
      }
    }
    if (records.length === 0) return;
    try {
      await handleBatch(records);
    } catch (error) {
      logger.warn({ err: error, events: records.length, request_id: records[0]!.requestId }, "usage batch handling failed, will retry");
      for (const message of readable) message.nak(REDELIVER_FAILED_AFTER_MS);
      return;
    }
    for (const message of readable) message.ack();
  };

  const work = async () => {
    // A burst of events reaches us over several socket reads (nats-server delivers the first ones
    // while it still stores the rest); waiting a moment lets one batch — one Redis call, one ack
    // write — take the whole burst.
    await new Promise((resolve) => setTimeout(resolve, lingerMs));
    while (received.length > 0) {
      try {
        await settle(received.splice(0, maxBatch));
      } catch (error) {
        // Acking on a closed connection, say: unacked events come back after the ack wait.
        logger.warn({ err: error }, "usage batch not settled");
      }
    }
    working = undefined;
  };

  const messages = await consumer.consume({
    max_messages: MAX_UNACKED,
    callback: (message) => {
      received.push(message);
      working ??= work();
    },
  });
  return {
    stop: async () => {
      await messages.close();
      await working;
    },
    lag: async () => {
      const info = await consumer.info();
      return info.num_pending + info.num_ack_pending;
    },
  };
}

/** Creates the durable pull consumer when it does not exist; an existing one is used as it is. */
async function ensureDurable(connection: NatsConnection, durable: string): Promise<void> {
  const manager = await jetstreamManager(connection);
  try {
    await manager.consumers.info(USAGE_STREAM, durable);
  } catch {
    await manager.consumers.add(USAGE_STREAM, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: USAGE_SUBJECTS,
      ack_wait: ACK_WAIT_NS,
      max_ack_pending: MAX_UNACKED,
      max_deliver: -1,
    });
  }
}
