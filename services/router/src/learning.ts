import { fromJsonString } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { CONTROL_INVALIDATE_SUBJECT, ensureUsageStream, type NatsConnection, USAGE_STREAM, USAGE_SUBJECTS } from "@switchyard/bus";
import { type UsageEvent, UsageEventSchema } from "@switchyard/proto";
import type { Logger } from "@switchyard/telemetry";
import type { HealthBook, ObservedRequest } from "./health.js";

/** The facts the health book folds in, from one usage event. */
export function observedFrom(event: UsageEvent, now = Date.now()): ObservedRequest {
  return {
    at: event.time ? timestampMs(event.time) : now,
    stream: event.stream,
    latencyMs: event.latencyMs,
    ttftMs: event.ttftMs,
    attempts: event.attempts,
  };
}

export interface LearningOptions {
  /** How far back a starting router reads the stream to rebuild its view. */
  replayMs: number;
  logger: Logger;
  /** A fingerprint of everything plans depend on; a change is pushed to every ingress. */
  fingerprint: () => string;
  /** How long a burst of events may accumulate before the fingerprint is compared. */
  settleMs?: number;
}

/**
 * Follows `switchyard.usage.>` with an ordered JetStream consumer that starts `replayMs` back, so a
 * restarted replica rebuilds the same view every other replica holds, then keeps folding in live
 * events. When what plans depend on changes (a breaker opens, a ranking flips), every ingress is
 * told to drop its reused plans (`switchyard.control.invalidate`, "router").
 */
export async function learnFromUsage(nats: NatsConnection, book: HealthBook, options: LearningOptions): Promise<{ stop(): Promise<void> }> {
  await ensureUsageStream(nats);
  const consumer = await jetstream(nats).consumers.get(USAGE_STREAM, {
    filter_subjects: USAGE_SUBJECTS,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(Date.now() - options.replayMs).toISOString(),
  });
  let last = options.fingerprint();
  let timer: NodeJS.Timeout | undefined;
  const compare = () => {
    timer = undefined;
    const now = options.fingerprint();
    if (now === last) return;
    last = now;
    nats.publish(CONTROL_INVALIDATE_SUBJECT, "router");
  };
  const messages = await consumer.consume({
    callback: (message) => {
      try {
        book.observe(observedFrom(fromJsonString(UsageEventSchema, message.string(), { ignoreUnknownFields: true })));
      } catch (error) {
        options.logger.warn({ err: error, subject: message.subject }, "unreadable usage event, ignored");
        return;
      }
      timer ??= setTimeout(compare, options.settleMs ?? 20);
    },
  });
  return {
    stop: async () => {
      clearTimeout(timer);
      await messages.close();
    },
  };
}
