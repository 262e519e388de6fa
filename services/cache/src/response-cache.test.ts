import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useTestRedis } from "@switchyard/mesh/testing";
import { pino } from "pino";
import { Redis } from "ioredis";
import { cacheHandlers } from "./handlers.js";
import { ResponseCache } from "./response-cache.js";

const settings = { enabled: true, defaultTtlS: 60, maxEntryBytes: 1024, prefix: "t:" };
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
    assert.ok(hit!.ttlRemainingS > 0 && hit!.ttlRemainingS <= 60);
    assert.equal(await redisServer.client.ttl("t:cache:exact:m:k1"), hit!.ttlRemainingS);
  });

  it("scopes entries per model and honours a per-request TTL", async () => {
    const cache = new ResponseCache(redisServer.client, settings);
    await cache.store("m", "k2", body, "d", 5);
    assert.equal(await cache.lookup("other", "k2"), undefined);
    assert.ok((await redisServer.client.ttl("t:cache:exact:m:k2")) <= 5);
  });

  it("refuses entries over the size limit and does nothing when disabled", async () => {
    const cache = new ResponseCache(redisServer.client, settings);
    assert.equal(await cache.store("m", "big", new Uint8Array(2048), "d", 0), "too_large");
    assert.equal(await cache.lookup("m", "big"), undefined);
    const off = new ResponseCache(redisServer.client, { ...settings, enabled: false });
    assert.equal(await off.store("m", "k3", body, "d", 0), "disabled");
    assert.equal(await redisServer.client.exists("t:cache:exact:m:k3"), 0);
  });

  it("answers a miss, not an error, while Redis is unreachable", async () => {
    const dead = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 0 });
    dead.on("error", () => {});
    const handlers = cacheHandlers(new ResponseCache(dead, settings), pino({ level: "silent" }));
    const context = { signal: new AbortController().signal, metadata: undefined as never };
    const response = await handlers.lookup({ key: "k", model: "m" } as never, context);
    assert.equal((response as { hit: boolean }).hit, false);
    assert.deepEqual(await handlers.store({ key: "k", model: "m", body, deploymentId: "d", ttlS: 0 } as never, context), {});
    dead.disconnect();
  });
});
