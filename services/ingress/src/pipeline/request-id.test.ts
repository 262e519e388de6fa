import assert from "node:assert/strict";
import { it } from "node:test";
import { eventIdOf, requestIdFrom } from "./request-id.js";

it("keeps a sane client id", () => {
  assert.equal(requestIdFrom("client-id-42"), "client-id-42");
});

it("replaces a missing, repeated or hostile id with a fresh unique one", () => {
  const ids = new Set([requestIdFrom(undefined), requestIdFrom(["a", "b"]), requestIdFrom("bad id\n"), requestIdFrom("x".repeat(200))]);
  assert.equal(ids.size, 4);
  for (const id of ids) assert.match(id, /^req_[0-9a-f]{24}$/);
});

it("gives every request its own event id, even when clients repeat or copy request ids", () => {
  const chosen = requestIdFrom(undefined);
  assert.equal(eventIdOf(chosen, undefined), chosen, "the gateway's own request id serves");
  const copied = eventIdOf(chosen, chosen);
  assert.notEqual(copied, chosen, "a client sending a gateway-made id gets a fresh event id");
  assert.notEqual(eventIdOf("mine", "mine"), eventIdOf("mine", "mine"));
});
