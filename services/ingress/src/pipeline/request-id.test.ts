import assert from "node:assert/strict";
import { it } from "node:test";
import { requestIdFrom } from "./request-id.js";

it("keeps a sane client id", () => {
  assert.equal(requestIdFrom("client-id-42"), "client-id-42");
});

it("replaces a missing, repeated or hostile id with a fresh unique one", () => {
  const ids = new Set([requestIdFrom(undefined), requestIdFrom(["a", "b"]), requestIdFrom("bad id\n"), requestIdFrom("x".repeat(200))]);
  assert.equal(ids.size, 4);
  for (const id of ids) assert.match(id, /^req_[0-9a-f]{24}$/);
});
