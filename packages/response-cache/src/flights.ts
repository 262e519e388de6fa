import type { Redis } from "ioredis";
import { decodeEntry } from "./entry-codec.js";

/** What a leader reports while it answers: followers rebuild their answer from these. */
export type FlightEvent =
  | { kind: "open"; deploymentId: string }
  /** One streamed chunk's OpenAI JSON, as the upstream sent it. */
  | { kind: "chunk"; bytes: Uint8Array }
  /** The whole answer as a completion's JSON (a stream's assembled). */
  | { kind: "done"; deploymentId: string; completion: Uint8Array }
  | { kind: "fail" };

/** One answer in flight, as the events so far; any number of followers read them as they come. */
export class Flight {
  readonly events: FlightEvent[] = [];
  private wakers: (() => void)[] = [];
  private listeners: ((event: FlightEvent, seq: number) => void)[] = [];

  get settled(): boolean {
    const last = this.events.at(-1);
    return last !== undefined && (last.kind === "done" || last.kind === "fail");
  }

  push(event: FlightEvent): void {
    if (this.settled) return;
    this.events.push(event);
    for (const listener of this.listeners) listener(event, this.events.length - 1);
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }

  /** Called with every event from now on (the leader's mirror to Redis). */
  listen(listener: (event: FlightEvent, seq: number) => void): void {
    this.listeners.push(listener);
  }

  /** The event at `index`, waiting up to `waitMs` for it; undefined when none came in time. */
  async next(index: number, waitMs: number): Promise<FlightEvent | undefined> {
    const ready = this.events[index];
    if (ready || this.settled) return ready;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wakers.push(resolve);
      timer = setTimeout(resolve, waitMs);
    });
    clearTimeout(timer);
    return this.events[index];
  }
}

export interface FlightsOptions {
  /** The cache's Redis key prefix. */
  prefix: string;
  /** This process's lease value (the cache's `owner`), so only the holder releases a lease. */
  owner: string;
  leaseMs: number;
  /** How often a follower of another replica's flight checks the lease is still held. */
  checkMs?: number;
  onError?: (error: unknown) => void;
}

/** The request that makes the upstream call: reports into its flight, then settles it. */
export interface FlightLeader {
  readonly flight: Flight;
  /** The lease to release once the answer is stored (`ResponseCache.storeSoon`'s `lease`); absent without Redis. */
  readonly lease: string | undefined;
  /** Ends the flight as failed unless it is done: followers then go upstream themselves. */
  settle(): void;
  /** Gives the lease up now, for an answer done but not stored (followers elsewhere then go upstream). */
  release(): void;
}

export type FlightRole =
  /** `redisError`: the lease could not be taken, so only this process's requests can join. */
  { role: "leader"; leader: FlightLeader; redisError?: unknown } | { role: "follower"; flight: Flight };

// KEYS: the lease. ARGV: the owner, then "del" or a lease length in ms to extend it by.
const LEASE_IF_OWNED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == 'del' then return redis.call('DEL', KEYS[1]) end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
`;

interface LeaseCommand {
  switchyardLeaseIfOwned(key: string, owner: string, action: string | number): Promise<number>;
}

const TYPE = { open: 1, chunk: 2, done: 3, fail: 4 } as const;

/**
 * Stampede protection: identical requests in flight at once make one upstream call. On one
 * process they share a `Flight` in memory. Across replicas the first takes a lease in Redis
 * (SET NX PX); a replica that finds the lease taken subscribes to the flight's channel and asks
 * the leader, on a shared channel, to mirror its events there, from the first one on. Nothing
 * goes through Redis for a flight nobody else asked for but the lease itself.
 *
 * A follower that hears nothing checks the lease: gone with the answer stored means done, gone
 * without it means the leader failed (or its process died and the lease lapsed).
 */
export class Flights {
  private readonly local = new Map<string, Flight>();
  /** Flights this process leads, by key: the ones a join message may ask to mirror. */
  private readonly leading = new Map<string, Flight>();
  private readonly mirrored = new WeakSet<Flight>();
  private readonly remote = new Map<string, Flight>();
  private readonly joinChannel: string;

  constructor(
    /** The cache's command connection. */
    private readonly redis: Redis,
    /** A connection of its own for subscriptions; absent: coalescing within this process only. */
    private readonly subscriber: Redis | undefined,
    private readonly options: FlightsOptions,
  ) {
    this.joinChannel = `${options.prefix}cache:flight-join`;
    if (!(redis as unknown as Partial<LeaseCommand>).switchyardLeaseIfOwned)
      redis.defineCommand("switchyardLeaseIfOwned", { numberOfKeys: 1, lua: LEASE_IF_OWNED });
    if (subscriber) {
      subscriber.on("messageBuffer", (channel: Buffer, message: Buffer) => this.heard(channel.toString(), message));
      subscriber.subscribe(this.joinChannel).catch((error: unknown) => options.onError?.(error));
    }
  }

  /** Drops the subscription connection; flights in progress end when their leases lapse. */
  close(): void {
    this.subscriber?.disconnect();
  }

  /** Flights in progress on this process (led or followed). */
  get size(): number {
    return this.local.size;
  }

  /**
   * Joins the flight for `key` (a cache entry's Redis key) or starts one. The first on this
   * process leads unless another replica holds the lease; then every request here follows.
   */
  async join(key: string): Promise<FlightRole> {
    const known = this.local.get(key);
    if (known) return { role: "follower", flight: known };
    const flight = new Flight();
    this.local.set(key, flight);
    const lease = this.leaseKeyOf(key);
    let taken = true;
    if (this.subscriber) {
      try {
        taken = (await this.redis.set(lease, this.options.owner, "PX", this.options.leaseMs, "NX")) === "OK";
      } catch (error) {
        // Redis away: lead without a lease (still one call per key on this process).
        this.options.onError?.(error);
        return { role: "leader", leader: this.lead(key, flight, undefined), redisError: error };
      }
    }
    if (taken) return { role: "leader", leader: this.lead(key, flight, this.subscriber ? lease : undefined) };
    this.followRemote(key, flight, lease);
    return { role: "follower", flight };
  }

  private leaseKeyOf(key: string): string {
    return `${this.options.prefix}cache:lease:${key.startsWith(this.options.prefix) ? key.slice(this.options.prefix.length) : key}`;
  }

  private channelOf(key: string): string {
    return `${this.options.prefix}cache:flight:${key}`;
  }

  private lead(key: string, flight: Flight, lease: string | undefined): FlightLeader {
    this.leading.set(key, flight);
    const renew = lease
      ? setInterval(() => void this.leaseIfOwned(lease, this.options.leaseMs), Math.max(50, this.options.leaseMs / 3))
      : undefined;
    renew?.unref();
    const end = () => {
      clearInterval(renew);
      this.leading.delete(key);
      if (this.local.get(key) === flight) this.local.delete(key);
    };
    flight.listen((event) => {
      if (event.kind === "done") end();
      else if (event.kind === "fail") {
        end();
        if (lease) void this.leaseIfOwned(lease, "del");
      }
    });
    return {
      flight,
      lease,
      settle: () => {
        if (!flight.settled) flight.push({ kind: "fail" });
      },
      release: () => {
        if (lease) void this.leaseIfOwned(lease, "del");
      },
    };
  }

  private async leaseIfOwned(lease: string, action: "del" | number): Promise<void> {
    try {
      await (this.redis as unknown as LeaseCommand).switchyardLeaseIfOwned(lease, this.options.owner, action);
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  /** A flight another replica leads: its events come on its channel once the leader hears the join. */
  private followRemote(key: string, flight: Flight, lease: string): void {
    const subscriber = this.subscriber as Redis;
    const channel = this.channelOf(key);
    this.remote.set(channel, flight);
    const check = setInterval(() => void this.checkLeader(key, flight, lease), this.options.checkMs ?? 100);
    check.unref();
    flight.listen((event) => {
      if (event.kind !== "done" && event.kind !== "fail") return;
      clearInterval(check);
      this.remote.delete(channel);
      if (this.local.get(key) === flight) this.local.delete(key);
      subscriber.unsubscribe(channel).catch(() => {});
    });
    subscriber
      .subscribe(channel)
      .then(() => this.redis.publish(this.joinChannel, key))
      .catch((error: unknown) => {
        this.options.onError?.(error);
        flight.push({ kind: "fail" });
      });
  }

  /** The lease gone: the answer is stored (done) or the leader failed. */
  private async checkLeader(key: string, flight: Flight, lease: string): Promise<void> {
    try {
      if (flight.settled || (await this.redis.exists(lease)) === 1) return;
      const value = await this.redis.getBuffer(key);
      const entry = value ? decodeEntry(value) : undefined;
      flight.push(entry ? { kind: "done", deploymentId: entry.deploymentId, completion: entry.body } : { kind: "fail" });
    } catch (error) {
      this.options.onError?.(error);
      flight.push({ kind: "fail" });
    }
  }

  private heard(channel: string, message: Buffer): void {
    if (channel === this.joinChannel) {
      const key = message.toString();
      const flight = this.leading.get(key);
      if (flight) this.mirror(key, flight);
      return;
    }
    const flight = this.remote.get(channel);
    if (!flight || message.length < 5) return;
    const seq = message.readUInt32BE(0);
    if (seq !== flight.events.length) return; // a replay of what came already
    const event = decodeEvent(message);
    if (event) flight.push(event);
  }

  /** Publishes the flight's events so far, then each as it comes (a second join replays them; followers skip what they have). */
  private mirror(key: string, flight: Flight): void {
    const channel = this.channelOf(key);
    const send = (event: FlightEvent, seq: number) =>
      void this.redis.publish(channel, encodeEvent(event, seq)).catch((error: unknown) => this.options.onError?.(error));
    flight.events.forEach(send);
    if (this.mirrored.has(flight)) return;
    this.mirrored.add(flight);
    flight.listen(send);
  }
}

/** seq (uint32), type (byte), then: open → deployment id; chunk → bytes; done → deployment id, newline, completion. */
export function encodeEvent(event: FlightEvent, seq: number): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(seq, 0);
  head[4] = TYPE[event.kind];
  switch (event.kind) {
    case "open":
      return Buffer.concat([head, Buffer.from(event.deploymentId)]);
    case "chunk":
      return Buffer.concat([head, event.bytes]);
    case "done":
      return Buffer.concat([head, Buffer.from(`${event.deploymentId}\n`), event.completion]);
    case "fail":
      return head;
  }
}

export function decodeEvent(message: Buffer): FlightEvent | undefined {
  const body = message.subarray(5);
  switch (message[4]) {
    case TYPE.open:
      return { kind: "open", deploymentId: body.toString() };
    case TYPE.chunk:
      return { kind: "chunk", bytes: body };
    case TYPE.done: {
      const entry = decodeEntry(body);
      return entry ? { kind: "done", deploymentId: entry.deploymentId, completion: entry.body } : undefined;
    }
    case TYPE.fail:
      return { kind: "fail" };
    default:
      return undefined;
  }
}
