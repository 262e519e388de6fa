import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cacheNamespaceOf, cachePolicyOf, semanticCacheUsed } from "./cache.js";
import { parseConfig } from "./load.js";

const config = (extra: string) =>
  parseConfig(
    `
providers: { mock: { kind: mock } }
models:
  plain: { deployments: [{ provider: mock, model: echo }] }
  shared: { cache: { namespace: global, ttl_s: 0.25, semantic: { enabled: true, threshold: 0.97 } }, deployments: [{ provider: mock, model: echo }] }
  uncached: { cache: { enabled: false }, deployments: [{ provider: mock, model: echo }] }
keys: []
${extra}
`,
    "t",
    {},
  );

describe("cache settings per model", () => {
  it("applies a model's own settings over the section's, to the millisecond", () => {
    const c = config("cache: { ttl_s: 1.5, namespace: team }");
    assert.deepEqual(cachePolicyOf(c.cache, c.models.plain), {
      enabled: true,
      ttlMs: 1_500,
      namespace: "team",
      semantic: { enabled: false, threshold: 0.92, embedder: "local", safe_tools: [] },
    });
    const shared = cachePolicyOf(c.cache, c.models.shared);
    assert.deepEqual([shared.ttlMs, shared.namespace, shared.semantic.enabled, shared.semantic.threshold], [250, "global", true, 0.97]);
    assert.equal(cachePolicyOf(c.cache, c.models.uncached).enabled, false);
    assert.equal(semanticCacheUsed(c.cache, c.models), true);
    const off = config("cache: { enabled: false }");
    assert.equal(semanticCacheUsed(off.cache, off.models), false, "the section's switch wins");
  });

  it("names the namespace from the caller, never joining keys without a team", () => {
    const caller = { keyName: "app", team: "research" };
    assert.equal(cacheNamespaceOf("key", caller), "key:app");
    assert.equal(cacheNamespaceOf("team", caller), "team:research");
    assert.equal(cacheNamespaceOf("team", { keyName: "solo", team: "" }), "key:solo");
    assert.equal(cacheNamespaceOf("global", caller), "global");
  });

  it("rejects an unknown namespace, and an embedder that is no model serving embeddings", () => {
    assert.throws(() => config("cache: { namespace: everyone }"), /cache\.namespace/);
    assert.throws(
      () => config("cache: { semantic: { embedder: text-embedding-3-small } }"),
      /cache\.semantic\.embedder.*not a model serving embeddings/,
    );
    assert.throws(() => config("cache: { semantic: { embedder: plain } }"), /cache\.semantic\.embedder/, "plain serves chat only");
  });

  it("accepts a public model serving embeddings as the embedder", () => {
    const c = parseConfig(
      `
providers: { mock: { kind: mock } }
models:
  chat: { cache: { semantic: { enabled: true, embedder: vectors } }, deployments: [{ provider: mock, model: echo }] }
  vectors: { operations: [embeddings], deployments: [{ provider: mock, model: echo }] }
keys: []
`,
      "t",
      {},
    );
    assert.equal(cachePolicyOf(c.cache, c.models.chat).semantic.embedder, "vectors");
  });
});
