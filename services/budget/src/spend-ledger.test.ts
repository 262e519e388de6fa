import assert from "node:assert/strict";
import { it } from "node:test";
import { useTestRedis } from "@switchyard/mesh/testing";
import { accounted, type SpendEntry, SpendLedger } from "./spend-ledger.js";

const redisServer = useTestRedis();

const entry = (requestId: string, extra: Partial<SpendEntry> = {}): SpendEntry => ({
  requestId,
  eventId: "",
  timeMs: Date.parse("2026-11-24T10:00:00Z"),
  keyName: "dev",
  team: "research",
  model: "mock-echo",
  costUsd: 0.25,
  promptTokens: 10,
  completionTokens: 5,
  ...extra,
});

it("counts each request id once, however often it is delivered", async () => {
  const redis = redisServer.client;
  const ledger = new SpendLedger(redis, "b:");
  assert.equal(await ledger.recordAll([entry("req-1")]), 1);
  assert.equal(await ledger.recordAll([entry("req-1")]), 0, "a redelivery is not counted again");
  assert.equal(await ledger.recordAll([entry("req-1"), entry("req-2", { costUsd: 0.5 })]), 1, "a batch counts only its new events");

  const day = await redis.hgetall("b:spend:key:dev:day:2026-11-24");
  assert.deepEqual(
    { cost: Number(day.cost_usd), requests: day.requests, prompt: day.prompt_tokens, completion: day.completion_tokens },
    { cost: 0.75, requests: "2", prompt: "20", completion: "10" },
  );
  assert.equal(Number((await redis.hgetall("b:spend:team:research:month:2026-11")).cost_usd), 0.75);
  assert.equal((await redis.hgetall("b:spend:model:mock-echo:total")).requests, "2");
  assert.ok((await redis.ttl("b:spend:seen:req-1")) > 0, "the seen marker expires");
});

it("adds a batch to each event's own key, team, model and periods, a duplicate inside the batch once", async () => {
  const redis = redisServer.client;
  const ledger = new SpendLedger(redis, "batch:");
  const batch = [
    entry("a", { costUsd: 0.1, promptTokens: 1, completionTokens: 2 }),
    entry("b", { costUsd: 0.2, keyName: "other", team: "", timeMs: Date.parse("2026-12-01T00:00:00Z") }),
    entry("a", { costUsd: 0.1, promptTokens: 1, completionTokens: 2 }), // the same request twice in one batch
    entry("c", { costUsd: 1e-7, timeMs: undefined, team: "ops" }),
  ];
  assert.equal(await ledger.recordAll(batch), 3);
  assert.deepEqual(await redis.hgetall("batch:spend:key:dev:day:2026-11-24"), {
    cost_usd: "0.1",
    requests: "1",
    prompt_tokens: "1",
    completion_tokens: "2",
  });
  assert.deepEqual(await redis.hgetall("batch:spend:key:other:month:2026-12"), {
    cost_usd: "0.2",
    requests: "1",
    prompt_tokens: "10",
    completion_tokens: "5",
  });
  const teamKeys = await redis.keys("batch:spend:team:*");
  assert.deepEqual(
    teamKeys.filter((key) => !key.startsWith("batch:spend:team:research:") && !key.startsWith("batch:spend:team:ops:")),
    [],
    "no team, no team hash",
  );
  const model = await redis.hgetall("batch:spend:model:mock-echo:total");
  assert.equal(model.requests, "3");
  assert.equal(Number(model.cost_usd), 0.1 + 0.2 + 1e-7);
  const today = new Date().toISOString().slice(0, 10);
  assert.equal((await redis.hgetall(`batch:spend:key:dev:day:${today}`)).requests, "1", "an event without a time counts today");
  assert.equal(await ledger.recordAll([]), 0);
});

it("counts by the gateway's event id: a client repeating its x-request-id is billed every time", async () => {
  const redis = redisServer.client;
  const ledger = new SpendLedger(redis, "ev:");
  assert.equal(await ledger.recordAll([entry("same", { eventId: "g-1" }), entry("same", { eventId: "g-2" })]), 2);
  assert.equal(await ledger.recordAll([entry("same", { eventId: "g-2" })]), 0, "a redelivery of g-2 is not counted again");
  assert.equal(Number((await redis.hgetall("ev:spend:key:dev:total")).cost_usd), 0.5);
  assert.deepEqual((await redis.smembers("ev:spend:index:key")).sort(), ["dev"]);
  assert.deepEqual(await redis.smembers("ev:spend:index:team"), ["research"]);
});

it("accounts only authenticated requests that reached a model or cost something", () => {
  assert.ok(accounted({ keyName: "dev", outcome: "success", costUsd: 0 }));
  assert.ok(accounted({ keyName: "dev", outcome: "cache_hit", costUsd: 0 }));
  assert.ok(accounted({ keyName: "dev", outcome: "cancelled", costUsd: 0.1 }));
  assert.ok(!accounted({ keyName: "", outcome: "rejected", costUsd: 0 }), "no key: not spend");
  assert.ok(!accounted({ keyName: "dev", outcome: "rejected", costUsd: 0 }), "an invented model name makes no spend hash");
});
