import assert from "node:assert/strict";
import { it } from "node:test";
import { cachedCall, DecisionCache } from "./decision-cache.js";

it("keeps a value for its reuse time only", () => {
  const cache = new DecisionCache<string>();
  cache.set("k", "v", 1_000, 0);
  assert.equal(cache.get("k", 999), "v");
  assert.equal(cache.get("k", 1_000), undefined);
  assert.equal(cache.size, 0);
});

it("does not keep values the service said not to reuse", () => {
  const cache = new DecisionCache<string>();
  cache.set("k", "v", 0);
  assert.equal(cache.get("k"), undefined);
});

it("drops the oldest entry when full", () => {
  const cache = new DecisionCache<number>(2);
  cache.set("a", 1, 10_000);
  cache.set("b", 2, 10_000);
  cache.set("c", 3, 10_000);
  assert.deepEqual([cache.get("a"), cache.get("b"), cache.get("c")], [undefined, 2, 3]);
});

it("calls through once and then answers from the cache", async () => {
  const cache = new DecisionCache<{ reuseMs: number; n: number }>();
  let calls = 0;
  const fetch = async () => ({ reuseMs: 60_000, n: ++calls });
  assert.equal((await cachedCall(cache, "k", fetch)).n, 1);
  assert.equal((await cachedCall(cache, "k", fetch)).n, 1);
  cache.clear();
  assert.equal((await cachedCall(cache, "k", fetch)).n, 2);
});
