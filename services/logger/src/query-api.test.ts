import assert from "node:assert/strict";
import { it } from "node:test";
import { filterOf, QueryError, statsFilterOf } from "./query-api.js";

it("reads the admin API's filters from a query string", () => {
  const filter = filterOf(new URLSearchParams("key=app&team=&model=smart&from=2026-12-01T00:00:00Z&to=1764547200000&limit=10&cursor=abc"));
  assert.deepEqual(filter, {
    limit: 10,
    key: "app",
    model: "smart",
    from: Date.parse("2026-12-01T00:00:00Z"),
    to: 1764547200000,
    cursor: "abc",
  });
  assert.deepEqual(filterOf(new URLSearchParams("")), { limit: 50 });
});

it("reads a stats query: the last day by default, in about a hundred buckets, grouped by a known column", () => {
  const now = Date.parse("2026-12-07T12:00:00Z");
  assert.deepEqual(statsFilterOf(new URLSearchParams("group_by=deployment&model=smart"), now), {
    model: "smart",
    from: now - 24 * 3600_000,
    to: now,
    bucketMs: 900_000,
    groupBy: "deployment",
  });
  assert.equal(statsFilterOf(new URLSearchParams("bucket=60&from=2026-12-07T11:00:00Z"), now).bucketMs, 60_000);
  for (const [query, param] of [
    ["group_by=prompt", "group_by"],
    ["bucket=1&from=2026-11-01T00:00:00Z", "bucket"],
    ["from=2026-12-08T00:00:00Z", "from"],
    ["cursor=x", "cursor"],
  ] as const) {
    assert.throws(
      () => statsFilterOf(new URLSearchParams(query), now),
      (error: unknown) => error instanceof QueryError && error.param === param,
      query,
    );
  }
});

it("refuses unknown parameters and bad values, naming the parameter", () => {
  for (const [query, param] of [
    ["keys=app", "keys"],
    ["from=yesterday", "from"],
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    [`model=${"m".repeat(300)}`, "model"],
  ] as const) {
    assert.throws(
      () => filterOf(new URLSearchParams(query)),
      (error: unknown) => error instanceof QueryError && error.param === param,
      query,
    );
  }
});
