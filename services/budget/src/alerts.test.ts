import assert from "node:assert/strict";
import { it } from "node:test";
import { useTestRedis } from "@switchyard/mesh/testing";
import { type BudgetAlert, BudgetAlerts } from "./alerts.js";
import { type SpendEntry, SpendLedger } from "./spend-ledger.js";

const redisServer = useTestRedis();

it("alerts once at each of 50, 80 and 100% of a budget, whoever sees the spend", async () => {
  const redis = redisServer.client;
  await redis.hset("al:{policy}:config-budgets", "key:app", JSON.stringify({ usd: 1, period: "day" }));
  await redis.hset("al:{policy}:budgets", "team:ops", JSON.stringify({ usd: 10, period: "total" }));
  const ledger = new SpendLedger(redis, "al:");
  const seen: BudgetAlert[] = [];
  const alerts = [new BudgetAlerts(redis, "al:", (a) => seen.push(a)), new BudgetAlerts(redis, "al:", (a) => seen.push(a))];
  const now = new Date();
  let n = 0;
  const spend = async (usd: number) => {
    const entry: SpendEntry = {
      requestId: `r${n}`,
      eventId: `e${n++}`,
      timeMs: now.getTime(),
      keyName: "app",
      team: "ops",
      model: "m",
      costUsd: usd,
      promptTokens: 1,
      completionTokens: 1,
    };
    await ledger.recordAll([entry]);
    // Two consumers checking the same spend: still one alert per threshold.
    for (const a of alerts) await a.check([entry], now);
  };
  await spend(0.3);
  assert.equal(seen.length, 0);
  await spend(0.25);
  assert.deepEqual(
    seen.map((a) => [a.scope, a.threshold_percent]),
    [["key:app", 50]],
  );
  await spend(0.5);
  assert.deepEqual(
    seen.map((a) => [a.scope, a.threshold_percent]),
    [
      ["key:app", 50],
      ["key:app", 80],
      ["key:app", 100],
    ],
  );
  assert.equal(seen[2]!.budget_usd, 1);
  assert.ok(seen[2]!.resets_at, "a daily budget says when it resets");
  await spend(4);
  assert.deepEqual(
    seen.slice(3).map((a) => [a.scope, a.threshold_percent, a.resets_at]),
    [["team:ops", 50, undefined]],
  );
});
