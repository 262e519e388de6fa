import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useTestRedis } from "@switchyard/mesh/testing";
import { ResponseCache, scopedKey } from "./response-cache.js";

const settings = { enabled: true, defaultTtlMs: 60_000, maxEntryBytes: 1024, prefix: "t:", indexMaxEntries: 0 };
const body = new TextEncoder().encode('{"object":"chat.completion"}');

describe("ResponseCache on a real Redis", () => {
  const redisServer = useTestRedis();

  it("misses, stores, then hits with the deployment and remaining TTL", async () => {
    const cache = new ResponseCache(redisServer.client, settings);
    assert.equal(await cache.lookup("m", "k1"), undefined);
    assert.equal(await cache.store("m", "k1", body, "mock/echo", 0), "stored");
    const hit = await cache.lookup("m", "k1");
    assert.equal(hit?.deploymentId, "mock/echo");
    assert.deepEqual([...hit!.body], [...body]);
    const remaining = await cache.remainingTtlMs("m", "k1");
    assert.ok(remaining > 0 && remaining <= 60_000);
    assert.ok((await redisServer.client.pttl("t:cache:exact:m:k1")) <= remaining);
    assert.equal(await cache.remainingTtlMs("m", "never-stored"), 0);
  });

  it("scopes entries per model and honours a per-request TTL", async () => {
    const cache = new ResponseCache(redisServer.client, settings);
    await cache.store("m", "k2", body, "d", 5_000);
    assert.equal(await cache.lookup("other", "k2"), undefined);
    assert.ok((await redisServer.client.pttl("t:cache:exact:m:k2")) <= 5_000);
  });

  it("refuses entries over the size limit and does nothing when disabled", async () => {
    const cache = new ResponseCache(redisServer.client, settings);
    assert.equal(await cache.store("m", "big", new Uint8Array(2048), "d", 0), "too_large");
    assert.equal(await cache.lookup("m", "big"), undefined);
    const off = new ResponseCache(redisServer.client, { ...settings, enabled: false });
    assert.equal(await off.store("m", "k3", body, "d", 0), "disabled");
    assert.equal(await redisServer.client.exists("t:cache:exact:m:k3"), 0);
  });

  it("stores in the background in batches, and flush writes them at once", async () => {
    const errors: unknown[] = [];
    const cache = new ResponseCache(redisServer.client, settings, (error) => errors.push(error));
    assert.equal(cache.storeSoon("m", "soon-1", body, "d1", 0), "stored");
    assert.equal(cache.storeSoon("m", "soon-2", body, "d2", 7_000), "stored");
    assert.equal(cache.storeSoon("m", "soon-big", new Uint8Array(2048), "d", 0), "too_large");
    assert.equal((await cache.lookup("m", "soon-1"))?.deploymentId, "d1", "answered from the batch before it is written");
    assert.equal(await redisServer.client.exists("t:cache:exact:m:soon-1"), 0);
    await cache.flush();
    assert.equal((await cache.lookup("m", "soon-1"))?.deploymentId, "d1");
    assert.equal((await cache.lookup("m", "soon-2"))?.deploymentId, "d2");
    assert.ok((await redisServer.client.pttl("t:cache:exact:m:soon-2")) <= 7_000);
    assert.equal(await cache.lookup("m", "soon-big"), undefined);
    assert.deepEqual(errors, []);
  });

  it("keeps the first answer for a key unless told to replace it", async () => {
    const cache = new ResponseCache(redisServer.client, settings);
    cache.storeSoon("m", "first-wins", body, "first", 0);
    cache.storeSoon("m", "first-wins", body, "second", 0);
    await cache.flush();
    cache.storeSoon("m", "first-wins", body, "third", 0);
    await cache.flush();
    assert.equal((await cache.lookup("m", "first-wins"))?.deploymentId, "first");
    cache.storeSoon("m", "first-wins", body, "refreshed", 0, { replace: true });
    await cache.flush();
    assert.equal((await cache.lookup("m", "first-wins"))?.deploymentId, "refreshed");
  });

  it("announces what it stores, and keeps storing after Redis forgot its script (a restart)", async () => {
    const listener = redisServer.client.duplicate();
    const announcements: string[] = [];
    listener.on("message", (_channel: string, message: string) => announcements.push(message));
    await listener.subscribe("t:cache:stored");
    try {
      const cache = new ResponseCache(redisServer.client, settings);
      assert.equal(await cache.store("m", "before-flush", body, "d", 30_000), "stored");
      await redisServer.client.script("FLUSH");
      assert.equal(await cache.store("m", "after-flush", body, "d", 0), "stored");
      assert.equal((await cache.lookup("m", "after-flush"))?.deploymentId, "d");
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(
        announcements.map((message) => JSON.parse(message) as unknown),
        [[["t:cache:exact:m:before-flush", 30_000]], [["t:cache:exact:m:after-flush", 60_000]]],
      );
    } finally {
      listener.disconnect();
    }
  });

  it("keeps an entry for its whole TTL to the millisecond, then drops it", async () => {
    const cache = new ResponseCache(redisServer.client, settings);
    await cache.store("m", "short", body, "d", 400);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await cache.lookup("m", "short"))?.deploymentId, "d", "within its TTL");
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(await cache.lookup("m", "short"), undefined, "after its TTL");
  });

  it("purges one model's namespace, one model, or everything", async () => {
    const cache = new ResponseCache(redisServer.client, { ...settings, prefix: "purge:" });
    for (const model of ["a", "b:c"]) for (const ns of ["key:x", "key:y"]) await cache.store(model, scopedKey(ns, "k"), body, "d", 0);
    cache.storeSoon("a", scopedKey("key:x", "pending"), body, "d", 0);
    assert.equal(await cache.purge("a", "key:x"), 1);
    assert.equal(await cache.lookup("a", scopedKey("key:x", "k")), undefined);
    assert.equal(await cache.lookup("a", scopedKey("key:x", "pending")), undefined, "a batch not yet written goes too");
    assert.equal((await cache.lookup("a", scopedKey("key:y", "k")))?.deploymentId, "d");
    assert.equal(await cache.purge("b:c"), 2);
    assert.equal((await cache.lookup("a", scopedKey("key:y", "k")))?.deploymentId, "d");
    assert.equal(await cache.purge(), 1);
  });
});
