import assert from "node:assert/strict";
import { it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useTestRedis } from "@switchyard/mesh/testing";
import { UsageEventSchema } from "@switchyard/proto";
import { SpendLedger } from "./spend-ledger.js";

const redisServer = useTestRedis();

it("counts each request id once, however often it is delivered", async () => {
  const redis = redisServer.client;
  const ledger = new SpendLedger(redis, "b:");
  const event = create(UsageEventSchema, {
    requestId: "req-1",
    time: timestampFromDate(new Date("2026-11-24T10:00:00Z")),
    keyName: "dev",
    team: "research",
    model: "mock-echo",
    costUsd: 0.25,
    usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
  });
  assert.equal(await ledger.record(event), true);
  assert.equal(await ledger.record(event), false, "a redelivery is not counted again");
  await ledger.record(create(UsageEventSchema, { ...event, requestId: "req-2", costUsd: 0.5 }));

  const day = await redis.hgetall("b:spend:key:dev:day:2026-11-24");
  assert.deepEqual(
    { cost: Number(day.cost_usd), requests: day.requests, prompt: day.prompt_tokens, completion: day.completion_tokens },
    { cost: 0.75, requests: "2", prompt: "20", completion: "10" },
  );
  assert.equal(Number((await redis.hgetall("b:spend:team:research:month:2026-11")).cost_usd), 0.75);
  assert.equal((await redis.hgetall("b:spend:model:mock-echo:total")).requests, "2");
  assert.ok((await redis.ttl("b:spend:seen:req-1")) > 0, "the seen marker expires");
});
