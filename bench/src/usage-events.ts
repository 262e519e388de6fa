// Counts usage events on the JetStream stream, to prove none were lost.
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";

export const USAGE_STREAM = "SWITCHYARD_USAGE";

export class UsageCounter {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
  ) {}

  static async connect(url: string): Promise<UsageCounter> {
    const nc = await connect({ servers: url, name: "switchyard-bench" });
    return new UsageCounter(nc, await jetstreamManager(nc));
  }

  /** Messages in the stream now (0 while it does not exist yet). */
  async count(): Promise<number> {
    try {
      return (await this.jsm.streams.info(USAGE_STREAM)).state.messages;
    } catch {
      return 0;
    }
  }

  /**
   * Waits until the stream holds at least `expected` messages, or stops growing for `quietMs`
   * (publishing is asynchronous and batched, so the last events land after the last response).
   */
  async settle(expected: number, timeoutMs = 20_000, quietMs = 3_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.count();
    let lastChange = Date.now();
    while (last < expected && Date.now() < deadline && Date.now() - lastChange < quietMs) {
      await new Promise((r) => setTimeout(r, 100));
      const now = await this.count();
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      }
    }
    return last;
  }

  /**
   * Waits until every durable consumer of the stream (budget, logger) has handled what the stream
   * holds, so a backlog left by a saturation run is not still being worked off while the next,
   * quieter run is measured. Returns the milliseconds it took.
   */
  async drained(timeoutMs = 30_000): Promise<number> {
    const began = Date.now();
    while (Date.now() - began < timeoutMs) {
      try {
        const busy = (await this.jsm.consumers.list(USAGE_STREAM).next()).some((c) => c.num_pending > 0 || c.num_ack_pending > 0);
        if (!busy) break;
      } catch {
        break; // no stream yet: nothing to drain
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return Date.now() - began;
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}
