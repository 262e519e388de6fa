import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CallCancellation } from "@switchyard/grpc";
import { ResponseCache } from "@switchyard/response-cache";
import { Redis } from "ioredis";
import { pino } from "pino";
import { cacheHandlers } from "./handlers.js";

const settings = { enabled: true, defaultTtlMs: 60_000, maxEntryBytes: 1024, prefix: "t:", indexMaxEntries: 0 };
const body = new TextEncoder().encode('{"object":"chat.completion"}');

describe("cache service handlers", () => {
  it("answers a miss, not an error, while Redis is unreachable", async () => {
    const dead = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 0 });
    dead.on("error", () => {});
    const handlers = cacheHandlers(new ResponseCache(dead, settings), pino({ level: "silent" }));
    const context = new CallCancellation(undefined as never);
    const response = await handlers.lookup({ key: "k", model: "m" } as never, context);
    assert.equal((response as { hit: boolean }).hit, false);
    assert.deepEqual(await handlers.store({ key: "k", model: "m", body, deploymentId: "d", ttlS: 0 } as never, context), {});
    dead.disconnect();
  });
});
