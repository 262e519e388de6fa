import { type ConnectorAnnouncement, ConnectorDirectory, type NatsConnection } from "@switchyard/bus";
import { type ClientOf, createClient } from "@switchyard/grpc";
import { ConnectorService } from "@switchyard/proto";
import type { Logger } from "@switchyard/telemetry";

export type ConnectorClient = ClientOf<typeof ConnectorService>;

interface Replica {
  announcement: ConnectorAnnouncement;
  client: ConnectorClient;
}

interface Channel {
  client: ConnectorClient;
  /** Registrations using it: a connector serving several providers announces each at one address. */
  users: number;
}

/**
 * gRPC channels to every connector replica heard on NATS, one long-lived channel each. Replicas
 * that appear are used at once; replicas that leave or fall silent are dropped.
 */
export class ConnectorPool {
  private readonly directory: ConnectorDirectory;
  private readonly replicas = new Map<string, Replica>();
  private readonly cursor = new Map<string, number>();
  private readonly channels = new Map<string, Channel>();

  constructor(
    nats: NatsConnection,
    private readonly logger: Logger,
  ) {
    this.directory = new ConnectorDirectory(nats);
    this.directory.onChange((event, replica) => (event === "up" ? this.add(replica) : this.remove(replica.id)));
  }

  /** The next replica of `provider`, round-robin, preferring connected channels; undefined when none is known. */
  pick(provider: string, exclude: ReadonlySet<string> = new Set()): { id: string; client: ConnectorClient } | undefined {
    const live = this.directory.replicasOf(provider).filter((r) => !exclude.has(r.id));
    if (live.length === 0) return undefined;
    const start = this.cursor.get(provider) ?? 0;
    this.cursor.set(provider, start + 1);
    let fallback: Replica | undefined;
    for (let i = 0; i < live.length; i++) {
      const replica = this.replicas.get(live[(start + i) % live.length]!.id);
      if (!replica) continue;
      if (replica.client.isReady()) return { id: replica.announcement.id, client: replica.client };
      fallback ??= replica;
    }
    return fallback && { id: fallback.announcement.id, client: fallback.client };
  }

  providers(): string[] {
    return this.directory.providers();
  }

  close(): void {
    this.directory.close();
    for (const id of [...this.replicas.keys()]) this.remove(id);
  }

  private add(announcement: ConnectorAnnouncement): void {
    const known = this.replicas.get(announcement.id);
    if (known?.announcement.address === announcement.address) return;
    if (known) this.release(known.announcement.address);
    let channel = this.channels.get(announcement.address);
    if (!channel) {
      channel = { client: createClient(ConnectorService, announcement.address), users: 0 };
      this.channels.set(announcement.address, channel);
    }
    channel.users++;
    this.replicas.set(announcement.id, { announcement, client: channel.client });
    this.logger.info({ provider: announcement.provider, address: announcement.address }, "connector replica joined");
  }

  private remove(id: string): void {
    const replica = this.replicas.get(id);
    if (!replica) return;
    this.replicas.delete(id);
    this.release(replica.announcement.address);
    this.logger.info({ provider: replica.announcement.provider, address: replica.announcement.address }, "connector replica left");
  }

  private release(address: string): void {
    const channel = this.channels.get(address);
    if (!channel || --channel.users > 0) return;
    this.channels.delete(address);
    channel.client.close();
  }
}
