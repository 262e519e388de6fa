import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { CONNECTOR_ANNOUNCE_SUBJECT, CONNECTOR_DISCOVER_SUBJECT, CONNECTOR_LEAVE_SUBJECT } from "./subjects.js";

export interface ConnectorAnnouncement {
  /** Unique per replica. */
  id: string;
  /** Provider name from the config. */
  provider: string;
  /** host:port of its gRPC server. */
  address: string;
}

const HEARTBEAT_MS = 2_000;
/** A replica not heard for this long is considered gone. */
export const CONNECTOR_TTL_MS = 3 * HEARTBEAT_MS;

/** Announces a connector replica now, every few seconds, and whenever someone asks. */
export function announceConnector(connection: NatsConnection, self: ConnectorAnnouncement): { leave(): void } {
  const payload = JSON.stringify(self);
  const say = () => connection.publish(CONNECTOR_ANNOUNCE_SUBJECT, payload);
  say();
  const timer = setInterval(say, HEARTBEAT_MS);
  timer.unref();
  const discover: Subscription = connection.subscribe(CONNECTOR_DISCOVER_SUBJECT, { callback: () => say() });
  return {
    leave() {
      clearInterval(timer);
      discover.unsubscribe();
      connection.publish(CONNECTOR_LEAVE_SUBJECT, payload);
    },
  };
}

/** Live view of connector replicas per provider, fed by their announcements. */
export class ConnectorDirectory {
  private readonly replicas = new Map<string, ConnectorAnnouncement & { seen: number }>();
  private readonly subscriptions: Subscription[] = [];
  private readonly listeners: ((event: "up" | "down", replica: ConnectorAnnouncement) => void)[] = [];

  private connected = true;

  constructor(private readonly connection: NatsConnection) {
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === "disconnect") this.connected = false;
        if (status.type === "reconnect") {
          // Give replicas a full heartbeat period to be heard again before judging them.
          for (const replica of this.replicas.values()) replica.seen = Date.now();
          this.connected = true;
          connection.publish(CONNECTOR_DISCOVER_SUBJECT);
        }
      }
    })();
    this.subscriptions.push(
      connection.subscribe(CONNECTOR_ANNOUNCE_SUBJECT, { callback: (_e, m) => this.seen(m.string()) }),
      connection.subscribe(CONNECTOR_LEAVE_SUBJECT, { callback: (_e, m) => this.left(m.string()) }),
    );
    connection.publish(CONNECTOR_DISCOVER_SUBJECT);
  }

  onChange(listener: (event: "up" | "down", replica: ConnectorAnnouncement) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Replicas of a provider heard from recently. While NATS itself is unreachable nobody can be
   * heard, so replicas are kept as last known rather than dropped: they may well still answer.
   */
  replicasOf(provider: string, now = Date.now()): ConnectorAnnouncement[] {
    const live: ConnectorAnnouncement[] = [];
    const hearing = !this.connection.isClosed() && this.connected;
    for (const [id, replica] of this.replicas) {
      if (hearing && now - replica.seen > CONNECTOR_TTL_MS) {
        this.replicas.delete(id);
        this.emit("down", replica);
      } else if (replica.provider === provider) live.push(replica);
    }
    return live;
  }

  providers(): string[] {
    return [...new Set([...this.replicas.values()].map((r) => r.provider))];
  }

  close(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  private seen(text: string): void {
    const announcement = parseAnnouncement(text);
    if (!announcement) return;
    const known = this.replicas.has(announcement.id);
    this.replicas.set(announcement.id, { ...announcement, seen: Date.now() });
    if (!known) this.emit("up", announcement);
  }

  private left(text: string): void {
    const announcement = parseAnnouncement(text);
    if (announcement && this.replicas.delete(announcement.id)) this.emit("down", announcement);
  }

  private emit(event: "up" | "down", replica: ConnectorAnnouncement): void {
    for (const listener of this.listeners) listener(event, replica);
  }
}

function parseAnnouncement(text: string): ConnectorAnnouncement | undefined {
  try {
    const value = JSON.parse(text) as Partial<ConnectorAnnouncement>;
    if (typeof value.id === "string" && typeof value.provider === "string" && typeof value.address === "string") {
      return { id: value.id, provider: value.provider, address: value.address };
    }
  } catch {
    // A malformed announcement is ignored; the replica will announce again.
  }
  return undefined;
}
