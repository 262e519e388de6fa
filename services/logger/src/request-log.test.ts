import assert from "node:assert/strict";
import { it } from "node:test";
import { create, fromJsonString } from "@bufbuild/protobuf";
import { useTestRedis } from "@switchyard/mesh/testing";
import { UsageEventSchema } from "@switchyard/proto";
import { RequestLog } from "./request-log.js";

const redisServer = useTestRedis();

it("keeps one log entry and one document per request id", async () => {
  const redis = redisServer.client;
  const log = new RequestLog(redis, { prefix: "l:", retentionS: 60, maxEntries: 1000 });
  const event = create(UsageEventSchema, { requestId: "req-9", outcome: "success", model: "mock-echo", status: 200 });
  assert.equal(await log.append(event), true);
  assert.equal(await log.append(event), false);
  const keys = RequestLog.keys("l:");
  const entries = await redis.xrange(keys.stream, "-", "+");
  assert.equal(entries.length, 1);
  const fields = Object.fromEntries(chunk(entries[0]![1]));
  assert.equal(fields.request_id, "req-9");
  assert.equal(fields.outcome, "success");
  const stored = fromJsonString(UsageEventSchema, (await redis.get(keys.request("req-9")))!);
  assert.equal(stored.model, "mock-echo");
  assert.ok((await redis.ttl(keys.request("req-9"))) <= 60);
});

function chunk(flat: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}
