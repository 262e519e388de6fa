/** Requests in flight per deployment, as the least-busy draw reads them. */
export interface InFlightView {
  count(deploymentId: string): number;
}

/** Counts this process's requests in flight per deployment. */
export class InFlight implements InFlightView {
  private readonly local = new Map<string, number>();

  constructor(private readonly onChange?: (deploymentId: string, count: number) => void) {}

  /** Counts one request on the deployment; the returned function ends it (once). */
  start(deploymentId: string): () => void {
    this.bump(deploymentId, 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.bump(deploymentId, -1);
    };
  }

  count(deploymentId: string): number {
    return this.local.get(deploymentId) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.local);
  }

  private bump(deploymentId: string, by: number): void {
    const count = (this.local.get(deploymentId) ?? 0) + by;
    if (count <= 0) this.local.delete(deploymentId);
    else this.local.set(deploymentId, count);
    this.onChange?.(deploymentId, Math.max(0, count));
  }
}

/** Where ingresses publish their in-flight counts (core NATS, not persisted: only the latest matters). */
export const IN_FLIGHT_SUBJECT = "switchyard.routing.inflight";

interface Publisher {
  publish(subject: string, data: string): void;
}

/**
 * In-flight counts across every ingress replica: this process's own, exact, plus the latest
 * snapshot each other ingress published. A replica publishes its counts shortly after they change
 * (coalesced, so a burst costs one message) and every second; a replica not heard from for three
 * seconds is forgotten.
 */
export class SharedInFlight implements InFlightView {
  readonly local: InFlight;
  private readonly others = new Map<string, { counts: Record<string, number>; at: number }>();
  private pending: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly self: string,
    private readonly bus: Publisher | undefined,
    private readonly coalesceMs = 5,
  ) {
    this.local = new InFlight(() => this.schedule());
    this.heartbeat = setInterval(() => this.publish(), 1_000);
    this.heartbeat.unref();
  }

  count(deploymentId: string): number {
    let total = this.local.count(deploymentId);
    if (this.others.size === 0) return total;
    const fresh = Date.now() - 3_000;
    for (const [id, other] of this.others) {
      if (other.at < fresh) this.others.delete(id);
      else total += other.counts[deploymentId] ?? 0;
    }
    return total;
  }

  /** Takes in another ingress's published snapshot. */
  receive(text: string): void {
    try {
      const { ingress, counts } = JSON.parse(text) as { ingress?: unknown; counts?: unknown };
      if (typeof ingress !== "string" || ingress === this.self || typeof counts !== "object" || counts === null) return;
      this.others.set(ingress, { counts: counts as Record<string, number>, at: Date.now() });
    } catch {
      // not ours to judge: a malformed snapshot is ignored
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.pending);
  }

  private schedule(): void {
    if (!this.bus || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.publish();
    }, this.coalesceMs);
  }

  private publish(): void {
    this.bus?.publish(IN_FLIGHT_SUBJECT, JSON.stringify({ ingress: this.self, counts: this.local.snapshot() }));
  }
}
