import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import { useTestRedis } from "@switchyard/mesh/testing";
import { Redis } from "ioredis";
import { connectPresenceSubscriber, exactKeysPattern, fingerprintOf, type PresenceEvent, PresenceIndex } from "./presence-index.js";
import { ResponseCache } from "./response-cache.js";

const body = new TextEncoder().encode('{"object":"chat.completion"}');
let prefixes = 0;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("PresenceIndex on a real Redis", () => {
  const redisServer = useTestRedis();

  /** A replica's view: its own command and subscriber connections, a cache and its index. */
  function replica(prefix: string, maxEntries = 1_000) {
    const redis = new Redis(redisServer.url);
    const events: PresenceEvent[] = [];
    const index = new PresenceIndex(
      redis,
      connectPresenceSubscriber(redisServer.url, () => {}),
      { prefix, maxEntries, onEvent: (event) => events.push(event) },
    );
    const cache = new ResponseCache(
      redis,
      { enabled: true, defaultTtlMs: 60_000, maxEntryBytes: 1024, prefix, indexMaxEntries: maxEntries },
      () => {},
      index,
    );
    const commands = () => redis.stream?.bytesWritten ?? 0;
    const close = () => {
      index.close();
      redis.disconnect();
    };
    return { redis, index, cache, events, commands, close };
  }

  it("learns the keys already stored, then answers a miss without asking Redis", async () => {
    const prefix = `p${prefixes++}:`;
    const writer = new ResponseCache(redisServer.client, {
      enabled: true,
      defaultTtlMs: 60_000,
      maxEntryBytes: 1024,
      prefix,
      indexMaxEntries: 0,
    });
    await writer.store("m", "before", body, "d1", 0);
    await redisServer.client.set(`${prefix}cache:exact:m:forever`, "d2\n{}"); // written by hand, no TTL
    const a = replica(prefix);
    try {
      assert.equal(a.index.mayContain(`${prefix}cache:exact:m:before`), true, "unknown until the scan ends");
      await until(() => a.index.isSynced, "the first scan");
      assert.deepEqual(
        a.events.map((e) => e.kind),
        ["synced"],
      );
      assert.equal((await a.cache.lookup("m", "before"))?.deploymentId, "d1");
      assert.equal((await a.cache.lookup("m", "forever"))?.deploymentId, "d2");
      const written = a.commands();
      assert.equal(await a.cache.lookup("m", "never-stored"), undefined);
      assert.equal(a.commands(), written, "a key never stored costs no command");
    } finally {
      a.close();
    }
  });

  it("hears what other replicas store, and knows its own stores at once", async () => {
    const prefix = `p${prefixes++}:`;
    const a = replica(prefix);
    const b = replica(prefix);
    try {
      await until(() => a.index.isSynced && b.index.isSynced, "both scans");
      b.cache.storeSoon("m", "from-b", body, "db", 0);
      await b.cache.flush();
      await until(() => a.index.mayContain(`${prefix}cache:exact:m:from-b`), "b's announcement at a");
      assert.equal((await a.cache.lookup("m", "from-b"))?.deploymentId, "db");
      await a.cache.store("m", "from-a", body, "da", 0);
      assert.equal((await a.cache.lookup("m", "from-a"))?.deploymentId, "da", "no wait for its own announcement");
      await until(() => b.index.mayContain(`${prefix}cache:exact:m:from-a`), "a's announcement at b");
      // An announcement under a's own origin is a's own write coming back: a skips it.
      await redisServer.client.publish(
        `${prefix}cache:stored`,
        `${a.index.origin}\n${JSON.stringify([[`${prefix}cache:exact:m:echo`, 60]])}`,
      );
      await until(() => b.index.mayContain(`${prefix}cache:exact:m:echo`), "the echo at b");
      assert.equal(a.index.mayContain(`${prefix}cache:exact:m:echo`), false, "a skipped its own announcement");
    } finally {
      a.close();
      b.close();
    }
  });

  it("treats an expired entry as absent, and an entry deleted early as a plain miss", async () => {
    const prefix = `p${prefixes++}:`;
    const a = replica(prefix);
    try {
      await until(() => a.index.isSynced, "the scan");
      a.index.add(`${prefix}cache:exact:m:short`, 1_000);
      assert.equal(a.index.mayContain(`${prefix}cache:exact:m:short`), true);
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      assert.equal(a.index.mayContain(`${prefix}cache:exact:m:short`), false);
      await a.cache.store("m", "deleted", body, "d", 0);
      await redisServer.client.del(`${prefix}cache:exact:m:deleted`);
      assert.equal(await a.cache.lookup("m", "deleted"), undefined);
    } finally {
      a.close();
    }
  });

  it("reads Redis for every key while its subscription is down, and scans again when it is back", async () => {
    const prefix = `p${prefixes++}:`;
    const a = replica(prefix);
    try {
      await until(() => a.index.isSynced, "the scan");
      const ids = (await redisServer.client.client("LIST")) as string;
      const subscriberId = ids
        .split("\n")
        .find((line) => line.includes("cmd=subscribe") || line.includes("sub=1"))
        ?.match(/id=(\d+)/)?.[1];
      assert.ok(subscriberId, "the index's subscriber connection is listed");
      await redisServer.client.client("KILL", "ID", subscriberId);
      await until(() => !a.index.isSynced, "the loss");
      assert.equal(a.index.mayContain(`${prefix}cache:exact:m:anything`), true);
      // Stored while the index was away: the rescan must find it.
      await redisServer.client.set(`${prefix}cache:exact:m:while-away`, "dw\n{}", "EX", 60);
      await until(() => a.index.isSynced, "the rescan");
      assert.deepEqual(
        a.events.map((e) => e.kind),
        ["synced", "lost", "synced"],
      );
      assert.equal((await a.cache.lookup("m", "while-away"))?.deploymentId, "dw");
    } finally {
      a.close();
    }
  });

  it("turns itself off, and every lookup reads Redis, beyond its entry limit", async () => {
    const prefix = `p${prefixes++}:`;
    const a = replica(prefix, 3);
    try {
      await until(() => a.index.isSynced, "the scan");
      for (let i = 0; i < 4; i++) a.cache.storeSoon("m", `k${i}`, body, "d", 0);
      await a.cache.flush();
      assert.deepEqual(
        a.events.map((e) => e.kind),
        ["synced", "overflow"],
      );
      assert.equal(a.index.isSynced, false);
      assert.equal(a.index.mayContain(`${prefix}cache:exact:m:never`), true);
      assert.equal((await a.cache.lookup("m", "k3"))?.deploymentId, "d");
    } finally {
      a.close();
    }
  });

  it("counts a key's TTL in milliseconds, across a second's boundary", async () => {
    const prefix = `p${prefixes++}:`;
    const a = replica(prefix);
    try {
      await until(() => a.index.isSynced, "the scan");
      // One millisecond before a second begins: whole seconds would end a one-second TTL at once.
      mock.timers.enable({ apis: ["Date"], now: (Math.floor(Date.now() / 1000) + 1) * 1000 - 1 });
      a.index.add(`${prefix}cache:exact:m:one-second`, 1_000);
      mock.timers.tick(2);
      assert.equal(a.index.mayContain(`${prefix}cache:exact:m:one-second`), true, "just after the boundary");
      mock.timers.tick(997);
      assert.equal(a.index.mayContain(`${prefix}cache:exact:m:one-second`), true, "at 999 ms");
      mock.timers.tick(2);
      assert.equal(a.index.mayContain(`${prefix}cache:exact:m:one-second`), false, "after 1,001 ms");
    } finally {
      mock.timers.reset();
      a.close();
    }
  });

  it("escapes glob characters in the prefix and fingerprints keys as 32-bit integers", () => {
    assert.equal(exactKeysPattern("a*b?[c]\\:"), "a\\*b\\?\\[c\\]\\\\:cache:exact:*");
    const fingerprint = fingerprintOf("switchyard:cache:exact:m:abc");
    assert.ok(Number.isInteger(fingerprint) && fingerprint === (fingerprint | 0));
    assert.notEqual(fingerprint, fingerprintOf("switchyard:cache:exact:m:abd"));
  });
});
