import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rewriteTopLevel } from "./json-rewrite.js";

/** What `rewriteTopLevel` must produce, computed on the parsed object. */
function expected(object: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...object };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete result[key];
    else result[key] = value;
  }
  return result;
}

const rewritten = (text: string, changes: Record<string, unknown>) => {
  const bytes = rewriteTopLevel(Buffer.from(text), changes);
  assert.ok(bytes, `rewrote ${text.slice(0, 80)}`);
  return JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
};

// A small deterministic generator of awkward JSON: strings with quotes, backslashes, brackets and
// non-ASCII, nested arrays and objects, every kind of scalar, random whitespace between tokens.
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const text = () =>
    Array.from({ length: Math.floor(next() * 8) }, () =>
      pick(["a", '"', "\\", "{", "]", ",", ":", "é", "😀", " ", "\n", "\\\\", 'x\\"']),
    ).join("");
  const value = (depth: number): unknown => {
    const kind = depth > 3 ? pick(["string", "number", "literal"]) : pick(["string", "number", "literal", "array", "object"]);
    if (kind === "string") return text();
    if (kind === "number") return pick([0, -1.5, 3e21, 42, 1e-7]);
    if (kind === "literal") return pick([true, false, null]);
    if (kind === "array") return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, () => [text(), value(depth + 1)]));
  };
  const spaced = (json: string) => {
    // Whitespace may go around any structural character outside strings: re-tokenise the compact form.
    let out = "";
    let inString = false;
    for (let i = 0; i < json.length; i++) {
      const char = json[i]!;
      out += char;
      if (inString) {
        if (char === "\\") out += json[++i];
        else if (char === '"') inString = false;
      } else if (char === '"') inString = true;
      else if ("{}[],:".includes(char)) out += pick(["", " ", "\n  ", "\t"]);
    }
    return pick(["", " ", "\n"]) + out + pick(["", "\n"]);
  };
  return { next, pick, text, value, spaced };
}

describe("rewriteTopLevel", () => {
  it("sets, replaces and removes top-level members and copies the rest as they were", () => {
    const text =
      '{ "model" : "smart", "messages": [{"role":"user","content":"hi"}], "stream_options": {"include_usage": false}, "x": 1e3 }';
    const bytes = rewriteTopLevel(Buffer.from(text), { model: "gpt-4.1", stream: true, stream_options: undefined })!;
    assert.equal(bytes.toString(), '{"model":"gpt-4.1","messages": [{"role":"user","content":"hi"}],"x": 1e3,"stream":true}');
  });

  it("agrees with JSON.parse on awkward objects, however they are spaced", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const gen = random(seed);
      const object = Object.fromEntries(
        Array.from({ length: Math.floor(gen.next() * 6) }, () => [gen.pick(["model", "stream", "messages", gen.text()]), gen.value(0)]),
      );
      const changes: Record<string, unknown> = {};
      for (const key of ["model", "stream", "stream_options", gen.text()]) {
        if (gen.next() < 0.6) changes[key] = gen.next() < 0.3 ? undefined : gen.value(1);
      }
      const text = gen.spaced(JSON.stringify(object));
      assert.deepEqual(rewritten(text, changes), expected(JSON.parse(text) as Record<string, unknown>, changes), `seed ${seed}: ${text}`);
    }
  });

  it("reads escaped keys, and leaves an object naming a member twice to be serialized", () => {
    assert.deepEqual(rewritten('{"mod\\u0065l":"a","n":1}', { model: "b" }), { model: "b", n: 1 });
    assert.equal(rewriteTopLevel(Buffer.from('{"model":"a","n":1,"model":"c"}'), { model: "b" }), undefined);
    assert.equal(rewriteTopLevel(Buffer.from('{"max_tokens":1,"max_tokens":9999}'), { model: "b" }), undefined);
  });

  it("copies a megabyte string without looking inside it", () => {
    const image = `data:image/png;base64,${Buffer.alloc(768 * 1024, 7).toString("base64")}`;
    const text = JSON.stringify({ model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: image } }] }] });
    const result = rewritten(text, { model: "upstream-model" });
    assert.equal(result.model, "upstream-model");
    assert.equal((result.messages as { content: { image_url: { url: string } }[] }[])[0]!.content[0]!.image_url.url, image);
  });

  it("answers undefined for what is not one JSON object", () => {
    for (const text of [
      "[1,2]",
      '"model"',
      "",
      "{",
      '{"a":1',
      '{"a":1}}',
      '{"a" 1}',
      '{"a":1,}',
      "{a:1}",
      '{"a":"unterminated}',
      '{"a":1} x',
    ]) {
      assert.equal(rewriteTopLevel(Buffer.from(text), { model: "m" }), undefined, text);
    }
    assert.equal(rewriteTopLevel(Buffer.from(" {} "), { model: "m" })!.toString(), '{"model":"m"}');
  });
});
