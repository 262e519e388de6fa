import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { groupPieces, splitJson } from "./json-split.js";

describe("splitJson", () => {
  it("splits along JSON tokens, strings after their spaces", () => {
    assert.deepEqual(splitJson('{"echo":"hello world"}'), ["{", '"echo"', ":", '"hello ', 'world"', "}"]);
    assert.deepEqual(splitJson('{"a":[1,true,null],"b":-2.5e3}'), [
      "{",
      '"a"',
      ":",
      "[",
      "1",
      ",",
      "true",
      ",",
      "null",
      "]",
      ",",
      '"b"',
      ":",
      "-2.5e3",
      "}",
    ]);
  });

  it("keeps whitespace with the piece before it, so the pieces join back to the text", () => {
    const text = ' { "a" : "x  y" ,\n "b": 1 }\n';
    const pieces = splitJson(text);
    assert.deepEqual(pieces, [" { ", '"a" ', ": ", '"x  ', 'y" ', ",\n ", '"b"', ": ", "1 ", "}\n"]);
    assert.equal(pieces.join(""), text);
  });

  it("never cuts inside an escape or a surrogate pair", () => {
    const text = JSON.stringify({ q: 'say "hi" \\ 😀 ok' });
    const pieces = splitJson(text);
    assert.deepEqual(pieces, ["{", '"q"', ":", '"say ', '\\"hi\\" ', "\\\\ ", "😀 ", 'ok"', "}"]);
    assert.equal(pieces.join(""), text);
  });

  it("splits text that is not (or no longer) valid JSON as far as it goes", () => {
    assert.deepEqual(splitJson('{"echo":"cut sh'), ["{", '"echo"', ":", '"cut ', "sh"]);
    assert.deepEqual(splitJson(""), []);
  });
});

describe("groupPieces", () => {
  it("joins consecutive pieces into at most the given number of fragments", () => {
    assert.deepEqual(groupPieces(["a", "b", "c", "d", "e"], 3), ["ab", "cd", "e"]);
    assert.deepEqual(groupPieces(["a", "b"], 4), ["a", "b"]);
    assert.deepEqual(groupPieces(["a", "b", "c", "d", "e", "f", "g", "h", "i"], 4), ["abc", "de", "fg", "hi"]);
    assert.deepEqual(groupPieces([], 4), []);
  });
});
