import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { upstreamBytesOf, withUpstreamBytes } from "./types.js";

describe("upstream bytes of an answer", () => {
  it("travel with the parsed answer, out of its JSON and its keys", () => {
    const bytes = Buffer.from('{ "id": "x",  "choices": [] }');
    const answer = withUpstreamBytes({ id: "x", choices: [] }, bytes);
    assert.equal(upstreamBytesOf(answer), bytes);
    assert.equal(JSON.stringify(answer), '{"id":"x","choices":[]}');
    assert.deepEqual(Object.keys(answer), ["id", "choices"]);
  });

  it("are not copied into a changed answer made with a spread", () => {
    const answer = withUpstreamBytes({ id: "x", choices: [] }, Buffer.from('{"id":"x","choices":[]}'));
    assert.equal(upstreamBytesOf({ ...answer, id: "y" }), undefined);
    assert.equal(upstreamBytesOf({ id: "x" }), undefined);
  });
});
