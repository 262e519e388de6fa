import assert from "node:assert/strict";
import { it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AuthorizeResponseSchema } from "@switchyard/proto";
import { createDecisions } from "./clients.js";
import { cachedCall, DecisionCache, digestKey } from "./decision-cache.js";

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

it("keeps only the digest of a key when given one, and finds the entry by the raw key", () => {
  const cache = new DecisionCache<string>(10, digestKey);
  cache.set("sk-client-secret\u0000model", "allowed", 10_000);
  assert.equal(cache.get("sk-client-secret\u0000model"), "allowed");
  assert.equal(cache.get("sk-other\u0000model"), undefined);
  const stored = [...(cache as unknown as { entries: Map<string, unknown> }).entries.keys()];
  assert.equal(stored.length, 1);
  assert.ok(!stored[0]!.includes("sk-client-secret"), "the raw key is no map key");
});

it("the ingress's auth decisions are keyed on digests", () => {
  const decisions = createDecisions();
  decisions.auth.set("sk-raw\u0000m", create(AuthorizeResponseSchema, { allowed: true }), 10_000);
  const stored = [...(decisions.auth as unknown as { entries: Map<string, unknown> }).entries.keys()];
  assert.ok(stored.length === 1 && !stored[0]!.includes("sk-raw"));
});
