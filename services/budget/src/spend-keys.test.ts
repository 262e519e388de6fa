import assert from "node:assert/strict";
import { it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { UsageEventSchema } from "@switchyard/proto";
import { periodsOf, spendKeys } from "./spend-keys.js";

const at = new Date("2026-11-24T23:59:59Z");

it("keeps day, month and total periods in UTC", () => {
  assert.deepEqual(periodsOf(at), ["day:2026-11-24", "month:2026-11", "total"]);
});

it("adds to key, model and team scopes", () => {
  const event = create(UsageEventSchema, { keyName: "dev", model: "mock-echo", team: "research" });
  const keys = spendKeys(event, "sy:", at);
  assert.equal(keys.length, 9);
  assert.ok(keys.includes("sy:spend:key:dev:day:2026-11-24"));
  assert.ok(keys.includes("sy:spend:team:research:month:2026-11"));
  assert.ok(keys.includes("sy:spend:model:mock-echo:total"));
});

it("skips the team scope for keys without a team", () => {
  const event = create(UsageEventSchema, { keyName: "dev", model: "m" });
  assert.ok(spendKeys(event, "", at).every((k) => !k.includes("team:")));
});
