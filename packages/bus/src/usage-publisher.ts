import { toJsonString } from "@bufbuild/protobuf";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type UsageEvent, UsageEventSchema } from "@switchyard/proto";
import type { Logger } from "@switchyard/telemetry";
import { type UsageOutcome, usageSubject } from "./subjects.js";

export interface UsagePublisherOptions {
  /** Events kept in memory while NATS is unreachable; beyond it the oldest are dropped and counted. */
  maxBuffered?: number;
  maxInFlight?: number;
}

export interface PublisherStats {
  published: number;
  failed: number;
  dropped: number;
  pending: number;
}

/**
 * Publishes usage events to JetStream off the request path: `publish` returns at once, acks are
 * awaited in the background, failures are retried with the same message id (so JetStream stores
 * each request once), and `flush` waits for everything before shutdown.
 */
export class UsagePublisher {
  private readonly js;
  private readonly queue: { subject: string; id: string; data: string; tries: number }[] = [];
  private inFlight = 0;
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly idle: (() => void)[] = [];
  readonly stats: PublisherStats = { published: 0, failed: 0, dropped: 0, pending: 0 };
  private readonly maxBuffered: number;
  private readonly maxInFlight: number;

  constructor(
    connection: NatsConnection,
    private readonly logger: Logger,
    options: UsagePublisherOptions = {},
  ) {
    this.js = jetstream(connection, { timeout: 5_000 });
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.maxInFlight = options.maxInFlight ?? 1_024;
  }

  publish(outcome: UsageOutcome, event: UsageEvent): void {
    if (this.queue.length >= this.maxBuffered) {
      this.queue.shift();
      this.stats.dropped++;
    }
    this.queue.push({ subject: usageSubject(outcome), id: event.requestId, data: toJsonString(UsageEventSchema, event), tries: 0 });
    // Publishing on the next turn of the event loop lets every event of this turn leave in one
    // socket write (the NATS client coalesces what is sent within a microtask).
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  /** Resolves when every queued event is acknowledged (or `timeoutMs` passes). */
  async flush(timeoutMs = 5_000): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.pump();
    });
  }

  private pump(): void {
    this.stats.pending = this.queue.length + this.inFlight;
    while (this.inFlight < this.maxInFlight && this.queue.length > 0 && !this.retryTimer) {
      const item = this.queue.shift()!;
      this.inFlight++;
      this.js.publish(item.subject, item.data, { msgID: item.id, timeout: 5_000 }).then(
        () => {
          this.stats.published++;
          this.settle();
        },
        (error: unknown) => {
          item.tries++;
          this.stats.failed++;
          if (item.tries === 1) this.logger.warn({ err: error, requestId: item.id }, "usage publish failed, retrying");
          this.queue.unshift(item);
          this.retryTimer ??= setTimeout(() => {
            this.retryTimer = undefined;
            this.pump();
          }, Math.min(2_000, 100 * 2 ** Math.min(item.tries, 5)));
          this.settle();
        },
      );
    }
    this.stats.pending = this.queue.length + this.inFlight;
  }

  private settle(): void {
    this.inFlight--;
    this.pump();
    if (this.queue.length === 0 && this.inFlight === 0) this.idle.splice(0).forEach((wake) => wake());
  }
}

export type { UsageOutcome };
