import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useTestRedis } from "@switchyard/mesh/testing";
import { Redis } from "ioredis";
import { LocalEmbedder } from "./local-embedder.js";
import { SemanticCache, type SemanticEvent } from "./semantic-cache.js";

const embedder = LocalEmbedder.load();
const body = (text: string) => Buffer.from(JSON.stringify({ choices: [{ message: { content: text } }] }));
const query = (prompt: string, namespace = "global") => ({ model: "m", namespace, scope: "s1", prompt });
let prefixes = 0;

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("SemanticCache on a real Redis", () => {
  const redisServer = useTestRedis();

  /** One cache-service replica: its own connections, index and events. */
  function replica(prefix: string) {
    const redis = new Redis(redisServer.url);
    const events: SemanticEvent[] = [];
    const cache = new SemanticCache(redis, new Redis(redisServer.url), embedder, {
      prefix,
      maxEntryBytes: 4096,
      onEvent: (e) => events.push(e),
    });
    return {
      cache,
      events,
      close: () => {
        cache.close();
        redis.disconnect();
      },
    };
  }

  it("answers a paraphrase in the same scope and namespace, nothing else", async () => {
    const a = replica(`s${prefixes++}:`);
    try {
      await until(() => !a.cache.isLoading, "the load");
      assert.equal(await a.cache.store(query("What is the capital of France?"), body("Paris"), "mock/echo", 60_000), true);
      const hit = await a.cache.lookup(query("Which city is the capital of France?"), 0.9);
      assert.equal(hit?.deploymentId, "mock/echo");
      assert.equal(JSON.parse(Buffer.from(hit?.body ?? []).toString()).choices[0].message.content, "Paris");
      assert.ok((hit?.similarity ?? 0) >= 0.9);
      assert.equal(await a.cache.lookup(query("What is the capital of Spain?"), 0.5), undefined, "another name");
      assert.equal(await a.cache.lookup(query("Which city is the capital of France?", "key:bob"), 0.5), undefined, "another namespace");
      assert.equal(
        await a.cache.lookup({ ...query("Which city is the capital of France?"), scope: "s2" }, 0.5),
        undefined,
        "other parameters",
      );
      assert.equal(await a.cache.store(query("too big"), Buffer.alloc(5_000), "d", 60_000), false);
    } finally {
      a.close();
    }
  });

  it("keeps entries in step across replicas, rebuilds its index on start, and purges everywhere", async () => {
    const prefix = `s${prefixes++}:`;
    const a = replica(prefix);
    const b = replica(prefix);
    try {
      await until(() => !a.cache.isLoading && !b.cache.isLoading, "the loads");
      await a.cache.store(query("Explain recursion to a beginner."), body("r"), "d", 60_000);
      await until(() => b.cache.size === 1, "the announcement");
      assert.ok(await b.cache.lookup(query("explain recursion for beginners please"), 0.9));

      const restarted = replica(prefix);
      try {
        await until(() => !restarted.cache.isLoading, "the load after a restart");
        assert.deepEqual(
          restarted.events.map((e) => e.kind),
          ["loaded"],
        );
        assert.ok(await restarted.cache.lookup(query("explain recursion for beginners please"), 0.9));
        assert.equal(await restarted.cache.purge("m", "global"), 1);
        await until(() => a.cache.size === 0 && b.cache.size === 0, "the purge announcement");
        assert.equal(await a.cache.lookup(query("explain recursion for beginners please"), 0.5), undefined);
      } finally {
        restarted.close();
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it("stops answering with an entry once its TTL is over", async () => {
    const a = replica(`s${prefixes++}:`);
    try {
      await until(() => !a.cache.isLoading, "the load");
      await a.cache.store(query("Describe the water cycle."), body("w"), "d", 200);
      assert.ok(await a.cache.lookup(query("describe the water cycle"), 0.9));
      await new Promise((resolve) => setTimeout(resolve, 250));
      assert.equal(await a.cache.lookup(query("describe the water cycle"), 0.9), undefined);
    } finally {
      a.close();
    }
  });
});
