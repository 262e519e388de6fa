import { createInbox, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@switchyard/telemetry";
import { type UsageOutcome, usageSubject } from "./subjects.js";
import { encodeUsageEvent, type UsageEventInit } from "./usage-codec.js";

export interface UsagePublisherOptions {
  /** Events kept in memory while NATS is unreachable; beyond it the oldest are dropped and counted. */
  maxBuffered?: number;
  /** Events sent and not yet acknowledged by JetStream. */
  maxInFlight?: number;
  /**
   * How long an event may wait for others before it is sent (ms). Every send wakes nats-server and,
   * through it, each consumer; sending a few milliseconds' worth of events together is what makes
   * the whole usage pipeline cheap per event. Events are off the request path, so the wait costs nobody.
   * But each send sets off a burst in nats-server, the consumers and Redis that requests on the
   * same cores wait behind: the default keeps those bursts short without waking the consumers so
   * often that more requests meet one.
   */
  lingerMs?: number;
  /** Events waiting that trigger a send at once, without lingering. */
  maxBatch?: number;
  /** An event JetStream has not acknowledged after this long is sent again, with the same message id. */
  ackTimeoutMs?: number;
}

export interface PublisherStats {
  published: number;
  failed: number;
  dropped: number;
  pending: number;
}

interface QueuedEvent {
  subject: string;
  id: string;
  /** The event until it is encoded, on the next send: encoding it in the request's own turn would delay the answer. */
  init: UsageEventInit | undefined;
  data: Uint8Array | undefined;
  tries: number;
  /** The request's W3C trace context, sent as a `traceparent` header so consumers continue its trace. */
  traceparent: string | undefined;
}

interface SentEvent {
  event: QueuedEvent;
  sentAt: number;
}

const MSG_ID_HEADER = "Nats-Msg-Id";

/**
 * Publishes usage events to JetStream off the request path: `publish` returns at once; events leave
 * in bursts (one socket write for all events of a few milliseconds) as plain NATS messages with a
 * `Nats-Msg-Id` header and a reply subject on one inbox, where JetStream's acks are collected. An
 * event that is not acknowledged in time, or that JetStream refuses, is sent again with the same
 * message id (so JetStream stores each request once); `flush` waits for everything before shutdown.
 *
 * Why not `jetstream().publish`: it is a request per event, with its own timer, promise and an
 * eagerly built error (stack trace included) — most of the publisher's CPU per event.
 */
export class UsagePublisher {
  private readonly queue: QueuedEvent[] = [];
  /** By reply token, in the order sent (so the oldest are first when looking for timeouts). */
  private readonly inFlight = new Map<string, SentEvent>();
  private readonly inbox: string;
  private nextToken = 0;
  private connected = true;
  private lingerTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly idle: (() => void)[] = [];
  readonly stats: PublisherStats = { published: 0, failed: 0, dropped: 0, pending: 0 };
  private readonly maxBuffered: number;
  private readonly maxInFlight: number;
  private readonly lingerMs: number;
  private readonly maxBatch: number;
  private readonly ackTimeoutMs: number;

  constructor(
    private readonly connection: NatsConnection,
    private readonly logger: Logger,
    options: UsagePublisherOptions = {},
  ) {
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.maxInFlight = options.maxInFlight ?? 4_096;
    this.lingerMs = options.lingerMs ?? 20;
    this.maxBatch = options.maxBatch ?? 512;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
    this.inbox = createInbox();
    connection.subscribe(`${this.inbox}.*`, { callback: (_error, reply) => this.acknowledged(reply) });
    void this.followConnection();
  }

  /** Queues `event`, which must not change afterwards: it is encoded later, off the request's path. */
  publish(outcome: UsageOutcome, event: UsageEventInit, traceparent?: string): void {
    if (this.queue.length >= this.maxBuffered) {
      this.queue.shift();
      this.stats.dropped++;
    }
    this.queue.push({
      subject: usageSubject(outcome),
      id: event.eventId || event.requestId || "",
      init: event,
      data: undefined,
      tries: 0,
      traceparent,
    });
    this.countPending();
    if (this.queue.length >= this.maxBatch) this.pump();
    else this.lingerTimer ??= setTimeout(() => this.pump(), this.lingerMs);
  }

  /** Resolves when every queued event is acknowledged (or `timeoutMs` passes). */
  async flush(timeoutMs = 5_000): Promise<void> {
    if (this.queue.length === 0 && this.inFlight.size === 0) return;
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
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.encodeQueued();
    // While NATS is unreachable, or after a failure, events wait here rather than pile up in the
    // client's reconnect buffer; `followConnection` and the retry timer resume sending.
    if (this.retryTimer || !this.connected || this.connection.isClosed()) return;
    const now = Date.now();
    while (this.inFlight.size < this.maxInFlight && this.queue.length > 0) {
      const event = this.queue.shift()!;
      const token = (this.nextToken++).toString(36);
      const header = headers();
      header.set(MSG_ID_HEADER, event.id);
      if (event.traceparent) header.set("traceparent", event.traceparent);
      try {
        this.connection.publish(event.subject, event.data!, { headers: header, reply: `${this.inbox}.${token}` });
      } catch (error) {
        this.queue.unshift(event);
        this.retryLater([event], error);
        break;
      }
      this.inFlight.set(token, { event, sentAt: now });
    }
    if (this.inFlight.size > 0 && !this.sweepTimer) {
      this.sweepTimer = setTimeout(() => this.sweep(), this.ackTimeoutMs / 4);
      this.sweepTimer.unref();
    }
    this.countPending();
  }

  /**
   * Encodes the events queued since the last send, all at once. They are always the tail of the
   * queue (events put back for a retry go to its head, already encoded), so events kept while NATS
   * is away are held as bytes after one linger, not as objects.
   */
  private encodeQueued(): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const event = this.queue[i]!;
      if (!event.init) break;
      event.data = Buffer.from(encodeUsageEvent(event.init));
      event.init = undefined;
    }
  }

  /** JetStream's answer: `{"stream":…,"seq":…}` when stored (or already stored), `{"error":…}` or a status message when not. */
  private acknowledged(reply: Msg): void {
    const token = reply.subject.slice(this.inbox.length + 1);
    const sent = this.inFlight.get(token);
    if (!sent) return; // answered after it timed out: the resend with the same id gets its own answer
    this.inFlight.delete(token);
    const status = reply.headers?.code ?? 0;
    const body = status === 0 ? reply.string() : "";
    if (status !== 0 || body.includes('"error"')) {
      // e.g. 503 no responders: the stream is not there (yet) or JetStream is not ready.
      this.queue.unshift(sent.event);
      this.retryLater([sent.event], new Error(status !== 0 ? `status ${status} ${reply.headers?.description ?? ""}` : body));
      return;
    }
    this.stats.published++;
    this.countPending();
    // Events queued meanwhile keep lingering, unless they wait only because too many were in flight.
    if (this.queue.length > 0) {
      if (this.inFlight.size === this.maxInFlight - 1) this.pump();
    } else if (this.inFlight.size === 0) this.idle.splice(0).forEach((wake) => wake());
  }

  /** Events sent longer than the ack timeout ago go back to the head of the queue, to be sent again. */
  private sweep(): void {
    this.sweepTimer = undefined;
    const expired = Date.now() - this.ackTimeoutMs;
    const timedOut: QueuedEvent[] = [];
    for (const [token, sent] of this.inFlight) {
      if (sent.sentAt > expired) break; // the rest were sent later
      this.inFlight.delete(token);
      timedOut.push(sent.event);
    }
    if (timedOut.length > 0) {
      this.queue.unshift(...timedOut);
      this.retryLater(timedOut, new Error(`no ack from JetStream within ${this.ackTimeoutMs} ms`));
    }
    if (this.inFlight.size > 0) {
      this.sweepTimer = setTimeout(() => this.sweep(), this.ackTimeoutMs / 4);
      this.sweepTimer.unref();
    }
  }

  /** Counts the failure of events already put back in the queue, and pauses sending for a growing while. */
  private retryLater(events: QueuedEvent[], error: unknown): void {
    let tries = 0;
    for (const event of events) tries = Math.max(tries, ++event.tries);
    this.stats.failed += events.length;
    if (events.some((event) => event.tries === 1))
      this.logger.warn({ err: error, request_id: events[0]!.id, events: events.length }, "usage publish failed, retrying");
    if (this.connection.isClosed()) return; // nothing can be sent any more; flush() will time out
    this.retryTimer ??= setTimeout(
      () => {
        this.retryTimer = undefined;
        this.pump();
      },
      Math.min(2_000, 100 * 2 ** Math.min(tries, 5)),
    );
  }

  private countPending(): void {
    this.stats.pending = this.queue.length + this.inFlight.size;
  }

  private async followConnection(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (status.type === "disconnect") this.connected = false;
      if (status.type === "reconnect") {
        this.connected = true;
        this.pump();
      }
    }
  }
}

export type { UsageOutcome };
