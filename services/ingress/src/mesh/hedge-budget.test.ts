import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HedgeBudget } from "./hedge-budget.js";

describe("HedgeBudget", () => {
  it("allows at most the share of requests, without saving up bursts", () => {
    const budget = new HedgeBudget();
    let hedged = 0;
    for (let i = 0; i < 1_000; i++) {
      budget.earn("m", 0.05);
      if (budget.take("m")) hedged++;
    }
    assert.equal(hedged, 50);
    for (let i = 0; i < 100; i++) budget.earn("m", 0.05);
    assert.equal(budget.take("m"), true);
    assert.equal(budget.take("m"), false, "one hedge in reserve at most");
  });
});
