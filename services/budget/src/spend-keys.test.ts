import assert from "node:assert/strict";
import { it } from "node:test";
import { periodsOf, spendKeys } from "./spend-keys.js";

const at = new Date("2026-11-24T23:59:59Z");

it("keeps day, month and total periods in UTC", () => {
  assert.deepEqual(periodsOf(at), ["day:2026-11-24", "month:2026-11", "total"]);
});

it("adds to key, model and team scopes", () => {
  const keys = spendKeys({ keyName: "dev", model: "mock-echo", team: "research" }, "sy:", at);
  assert.equal(keys.length, 9);
  assert.ok(keys.includes("sy:spend:key:dev:day:2026-11-24"));
  assert.ok(keys.includes("sy:spend:team:research:month:2026-11"));
  assert.ok(keys.includes("sy:spend:model:mock-echo:total"));
});

it("skips the team scope for keys without a team", () => {
  assert.ok(spendKeys({ keyName: "dev", model: "m", team: "" }, "", at).every((k) => !k.includes("team:")));
});
