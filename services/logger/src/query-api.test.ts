import assert from "node:assert/strict";
import { it } from "node:test";
import { filterOf, QueryError } from "./query-api.js";

it("reads the admin API's filters from a query string", () => {
  const filter = filterOf(new URLSearchParams("key=app&team=&model=smart&from=2026-12-01T00:00:00Z&to=1764547200000&limit=10&cursor=abc"));
  assert.deepEqual(filter, { limit: 10, key: "app", model: "smart", from: Date.parse("2026-12-01T00:00:00Z"), to: 1764547200000, cursor: "abc" });
  assert.deepEqual(filterOf(new URLSearchParams("")), { limit: 50 });
});

it("refuses unknown parameters and bad values, naming the parameter", () => {
  for (const [query, param] of [
    ["keys=app", "keys"],
    ["from=yesterday", "from"],
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    [`model=${"m".repeat(300)}`, "model"],
  ] as const) {
    assert.throws(() => filterOf(new URLSearchParams(query)), (error: unknown) => error instanceof QueryError && error.param === param, query);
  }
});
