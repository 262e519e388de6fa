import assert from "node:assert/strict";
import { it } from "node:test";
import { periodEnd, periodId, periodsOf, spendKeys } from "./index.js";

it("names day, ISO week, month and total periods in UTC", () => {
  assert.deepEqual(periodsOf(new Date("2026-11-24T23:59:59Z")), ["day:2026-11-24", "week:2026-W48", "month:2026-11", "total"]);
  assert.equal(periodId("week", new Date("2027-01-01T00:00:00Z")), "week:2026-W53", "1 Jan 2027 is a Friday of 2026's last week");
  assert.equal(periodId("week", new Date("2026-01-01T00:00:00Z")), "week:2026-W01");
  assert.equal(periodId("week", new Date("2024-12-30T00:00:00Z")), "week:2025-W01");
});

it("ends each period at the next UTC boundary", () => {
  const at = new Date("2026-11-24T10:00:00Z"); // a Tuesday
  assert.equal(periodEnd("day", at)?.toISOString(), "2026-11-25T00:00:00.000Z");
  assert.equal(periodEnd("week", at)?.toISOString(), "2026-11-30T00:00:00.000Z");
  assert.equal(periodEnd("week", new Date("2026-11-30T00:00:00Z"))?.toISOString(), "2026-12-07T00:00:00.000Z");
  assert.equal(periodEnd("month", new Date("2026-12-31T23:00:00Z"))?.toISOString(), "2027-01-01T00:00:00.000Z");
  assert.equal(periodEnd("total", at), undefined);
});

it("adds to key, model, team and all scopes", () => {
  const keys = spendKeys({ keyName: "dev", model: "mock-echo", team: "research" }, "sy:", new Date("2026-11-24T10:00:00Z"));
  assert.equal(keys.length, 16);
  assert.ok(keys.includes("sy:spend:key:dev:day:2026-11-24"));
  assert.ok(keys.includes("sy:spend:team:research:week:2026-W48"));
  assert.ok(keys.includes("sy:spend:model:mock-echo:total"));
  assert.ok(keys.includes("sy:spend:all:month:2026-11"));
  assert.ok(spendKeys({ keyName: "dev", model: "m", team: "" }, "", new Date()).every((k) => !k.includes("team:")));
});
