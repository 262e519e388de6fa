import assert from "node:assert/strict";
import { it } from "node:test";
import { decodeEntry, encodeEntry } from "./entry-codec.js";

it("round-trips a deployment id and binary body", () => {
  const body = new Uint8Array([123, 10, 0, 255, 10]);
  const decoded = decodeEntry(encodeEntry("mock/echo", body));
  assert.equal(decoded?.deploymentId, "mock/echo");
  assert.deepEqual([...decoded!.body], [...body]);
});

it("rejects a value without the separator", () => {
  assert.equal(decodeEntry(Buffer.from("no-separator")), undefined);
});
