import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { cacheKeyOf, cacheTtlFrom, canonicalJson } from "./cache-key.js";

const image = (fill: string) => `data:image/png;base64,${fill.repeat(300_000)}`;
const visionRequest = (url: string, text = "What is in this image?") => ({
  model: "gpt-4o",
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text },
        { type: "image_url", image_url: { url } },
      ],
    },
  ],
});

describe("cacheKeyOf", () => {
  it("ignores key order and delivery options", () => {
    const a = { model: "m", messages: [{ role: "user", content: "hi" }], temperature: 0, stream: true, user: "u1" };
    const b = { temperature: 0, messages: [{ content: "hi", role: "user" }], model: "m", stream_options: { include_usage: true } };
    assert.equal(cacheKeyOf(a), cacheKeyOf(b));
  });

  it("tells apart requests that differ in content", () => {
    const keys = new Set([
      cacheKeyOf({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      cacheKeyOf({ model: "m", messages: [{ role: "user", content: "hi!" }] }),
      cacheKeyOf({ model: "m", messages: [{ role: "user", content: "hi" }], temperature: 1 }),
      cacheKeyOf({ model: "n", messages: [{ role: "user", content: "hi" }] }),
    ]);
    assert.equal(keys.size, 4);
  });

  it("tells apart long strings that differ in one character, wherever it is", () => {
    const url = image("AAAA");
    const keys = new Set([
      cacheKeyOf(visionRequest(url)),
      cacheKeyOf(visionRequest(`${url.slice(0, -1)}B`)),
      cacheKeyOf(visionRequest(`${url.slice(0, 5000)}B${url.slice(5001)}`)),
      cacheKeyOf(visionRequest(url, "And now?")),
    ]);
    assert.equal(keys.size, 4);
    assert.equal(cacheKeyOf(visionRequest(url)), cacheKeyOf(JSON.parse(JSON.stringify(visionRequest(url))) as Record<string, unknown>));
  });
});

describe("canonicalJson", () => {
  it("is JSON with sorted keys for short values", () => {
    assert.equal(
      canonicalJson({ b: [1, "x", null, true], a: { d: 1.5, c: 'q"uote' } }),
      '{"a":{"c":"q\\"uote","d":1.5},"b":[1,"x",null,true]}',
    );
  });

  it("stands a long string in as its digest, which no JSON text can spell", () => {
    const long = "x".repeat(5000);
    const digest = createHash("sha256").update(long).digest("base64url");
    assert.equal(canonicalJson({ a: long }), `{"a":#${digest}}`);
    // The same characters as a short string stay a quoted string: a '#' outside quotes is not JSON.
    assert.equal(canonicalJson({ a: `#${digest}` }), `{"a":"#${digest}"}`);
  });

  it("keeps a long string with a lone surrogate exact instead of digesting its lossy UTF-8", () => {
    const long = `${"x".repeat(5000)}\ud800`;
    const other = `${"x".repeat(5000)}\udc00`;
    assert.equal(canonicalJson(long), JSON.stringify(long));
    assert.notEqual(cacheKeyOf({ a: long }), cacheKeyOf({ a: other }));
  });

  it("reads x-switchyard-cache-ttl as seconds to the millisecond", () => {
    assert.equal(cacheTtlFrom("1"), 1_000);
    assert.equal(cacheTtlFrom("0.25"), 250);
    assert.equal(cacheTtlFrom("2.001"), 2_001);
    for (const bad of [undefined, "", "-1", "1e3", "0.0001", "soon", ["1", "2"]]) assert.equal(cacheTtlFrom(bad), 0, String(bad));
  });
});
