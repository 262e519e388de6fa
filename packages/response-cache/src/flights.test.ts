import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useTestRedis } from "@switchyard/mesh/testing";
import { Redis } from "ioredis";
import { decodeEvent, encodeEvent, type Flight, type FlightEvent, Flights } from "./flights.js";
import { ResponseCache } from "./response-cache.js";

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();
let prefixes = 0;

/** Reads a flight's events until it settles, as a follower does. */
async function drain(flight: Flight, waitMs = 5_000): Promise<FlightEvent[]> {
  const seen: FlightEvent[] = [];
  for (let i = 0; ; i++) {
    const event = await flight.next(i, waitMs);
    if (!event) throw new Error(`no event ${i} within ${waitMs} ms`);
    seen.push(event);
    if (event.kind === "done" || event.kind === "fail") return seen;
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("Flights on a real Redis", () => {
  const redisServer = useTestRedis();

  /** One ingress replica's flights: a command and a subscriber connection of its own. */
  function replica(prefix: string, leaseMs = 5_000) {
    const redis = new Redis(redisServer.url);
    const subscriber = new Redis(redisServer.url);
    const errors: unknown[] = [];
    const cache = new ResponseCache(redis, { enabled: true, defaultTtlMs: 60_000, maxEntryBytes: 4096, prefix, indexMaxEntries: 0 });
    const flights = new Flights(redis, subscriber, {
      prefix,
      owner: cache.owner,
      leaseMs,
      checkMs: 20,
      onError: (error) => errors.push(error),
    });
    return {
      redis,
      flights,
      cache,
      errors,
      close: () => {
        subscriber.disconnect();
        redis.disconnect();
      },
    };
  }

  it("makes one leader of 50 identical requests on one process; the others read its events", async () => {
    const a = replica(`f${prefixes++}:`);
    try {
      const roles = await Promise.all(Array.from({ length: 50 }, () => a.flights.join("k")));
      const leaders = roles.filter((r) => r.role === "leader");
      assert.equal(leaders.length, 1);
      const leader = leaders[0]!.role === "leader" ? leaders[0]!.leader : assert.fail();
      const followers = roles.flatMap((r) => (r.role === "follower" ? [drain(r.flight)] : []));
      leader.flight.push({ kind: "open", deploymentId: "d" });
      leader.flight.push({ kind: "chunk", bytes: Buffer.from("c1") });
      leader.flight.push({ kind: "done", deploymentId: "d", completion: Buffer.from("{}") });
      for (const events of await Promise.all(followers))
        assert.deepEqual(
          events.map((e) => e.kind),
          ["open", "chunk", "done"],
        );
      assert.equal(a.flights.size, 0, "a settled flight is forgotten: the next request reads the cache");
    } finally {
      a.close();
    }
  });

  it("mirrors a leader's events to another replica's followers as they come, from the first", async () => {
    const prefix = `f${prefixes++}:`;
    const a = replica(prefix);
    const b = replica(prefix);
    try {
      await new Promise((resolve) => setTimeout(resolve, 50)); // both subscribed to the join channel
      const led = await a.flights.join(`${prefix}cache:exact:m:k`);
      assert.equal(led.role, "leader");
      const leader = led.role === "leader" ? led.leader : assert.fail();
      leader.flight.push({ kind: "open", deploymentId: "d" });
      leader.flight.push({ kind: "chunk", bytes: Buffer.from("before the join") });
      const [one, two] = await Promise.all([b.flights.join(`${prefix}cache:exact:m:k`), b.flights.join(`${prefix}cache:exact:m:k`)]);
      assert.equal(one.role, "follower");
      assert.equal(two.role, "follower");
      const flight = one.role === "follower" ? one.flight : assert.fail();
      await until(() => flight.events.length === 2, "the replay of the first two events");
      leader.flight.push({ kind: "chunk", bytes: Buffer.from("after the join") });
      await until(() => flight.events.length === 3, "a chunk as it comes");
      leader.flight.push({ kind: "done", deploymentId: "d", completion: Buffer.from('{"ok":1}') });
      const events = await drain(flight);
      assert.deepEqual(
        events.map((e) => (e.kind === "chunk" ? text(e.bytes) : e.kind)),
        ["open", "before the join", "after the join", "done"],
      );
      assert.deepEqual(a.errors, []);
      assert.deepEqual(b.errors, []);
    } finally {
      a.close();
      b.close();
    }
  });

  it("finds the stored answer when the leader finished before the follower's join reached it", async () => {
    const prefix = `f${prefixes++}:`;
    const a = replica(prefix);
    const b = replica(prefix);
    try {
      const key = a.cache.keyOf("m", "k");
      const led = await a.flights.join(key);
      const leader = led.role === "leader" ? led.leader : assert.fail();
      // The leader is done and its entry pending in a batch when the follower arrives.
      leader.flight.push({ kind: "done", deploymentId: "d", completion: Buffer.from('{"stored":1}') });
      a.cache.storeSoon("m", "k", Buffer.from('{"stored":1}'), "d", 0, { lease: leader.lease });
      const followed = await b.flights.join(key);
      const flight = followed.role === "follower" ? followed.flight : assert.fail("the lease is held until the entry is written");
      await a.cache.flush();
      const events = await drain(flight);
      const done = events.at(-1);
      assert.equal(done?.kind, "done");
      assert.equal(done?.kind === "done" ? text(done.completion) : "", '{"stored":1}');
    } finally {
      a.close();
      b.close();
    }
  });

  it("tells followers on both replicas when the leader fails, and lets the next request lead", async () => {
    const prefix = `f${prefixes++}:`;
    const a = replica(prefix);
    const b = replica(prefix);
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const led = await a.flights.join("k");
      const leader = led.role === "leader" ? led.leader : assert.fail();
      const local = await a.flights.join("k");
      const remote = await b.flights.join("k");
      const followers = [local, remote].map((r) => (r.role === "follower" ? drain(r.flight) : assert.fail()));
      leader.settle();
      for (const events of await Promise.all(followers)) assert.equal(events.at(-1)?.kind, "fail");
      await until(() => b.flights.size === 0, "the remote flight to end");
      assert.equal((await b.flights.join("k")).role, "leader", "the failed leader's lease is gone");
    } finally {
      a.close();
      b.close();
    }
  });

  it("lets followers move on once a dead leader's lease lapses", async () => {
    const prefix = `f${prefixes++}:`;
    const a = replica(prefix, 200);
    const b = replica(prefix, 200);
    try {
      const led = await a.flights.join("k");
      assert.equal(led.role, "leader");
      a.close(); // the leader's process is gone: no renewal, no failure message
      const followed = await b.flights.join("k");
      const flight = followed.role === "follower" ? followed.flight : assert.fail();
      assert.equal((await drain(flight)).at(-1)?.kind, "fail");
    } finally {
      b.close();
    }
  });

  it("leads without a lease while Redis is away", async () => {
    const dead = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 0 });
    dead.on("error", () => {});
    const subscriber = new Redis("redis://127.0.0.1:1", { lazyConnect: true });
    subscriber.on("error", () => {});
    const errors: unknown[] = [];
    const flights = new Flights(dead, subscriber, { prefix: "x:", owner: "o", leaseMs: 1_000, onError: (error) => errors.push(error) });
    const [first, second] = await Promise.all([flights.join("k"), flights.join("k")]);
    assert.equal(first.role, "leader");
    assert.equal(first.role === "leader" ? first.leader.lease : "", undefined);
    assert.ok(first.role === "leader" && first.redisError, "the caller learns why");
    assert.equal(second.role, "follower");
    assert.ok(errors.length >= 1);
    dead.disconnect();
    subscriber.disconnect();
  });

  it("encodes every event kind", () => {
    const events: FlightEvent[] = [
      { kind: "open", deploymentId: "mock/echo" },
      { kind: "chunk", bytes: Buffer.from('{"x":1}') },
      { kind: "done", deploymentId: "d", completion: Buffer.from("{}") },
      { kind: "fail" },
    ];
    for (const [i, event] of events.entries()) {
      const encoded = encodeEvent(event, i);
      assert.equal(encoded.readUInt32BE(0), i);
      assert.deepEqual(JSON.parse(JSON.stringify(decodeEvent(encoded))), JSON.parse(JSON.stringify(event)));
    }
  });
});
