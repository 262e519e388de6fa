import assert from "node:assert/strict";
import { it } from "node:test";
import { create, fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { useTestRedis } from "@switchyard/mesh/testing";
import { UsageEventSchema } from "@switchyard/proto";
import { type LoggedEvent, RequestLog } from "./request-log.js";

const redisServer = useTestRedis();

const logged = (requestId: string, outcome = "success"): LoggedEvent => ({
  requestId,
  outcome,
  json: toJsonString(UsageEventSchema, create(UsageEventSchema, { requestId, outcome, model: "mock-echo", status: 200 })),
});

it("keeps one log entry and one document per request id", async () => {
  const redis = redisServer.client;
  const log = new RequestLog(redis, { prefix: "l:", retentionS: 60, maxEntries: 1000 });
  assert.equal(await log.appendAll([logged("req-9")]), 1);
  assert.equal(await log.appendAll([logged("req-9")]), 0, "a redelivery is not logged again");
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

it("logs a batch in order, each request id once", async () => {
  const redis = redisServer.client;
  const log = new RequestLog(redis, { prefix: "b:", retentionS: 60, maxEntries: 1000 });
  assert.equal(await log.appendAll([logged("x"), logged("y", "failed"), logged("x"), logged("z", "cancelled")]), 3);
  const entries = await redis.xrange(RequestLog.keys("b:").stream, "-", "+");
  assert.deepEqual(
    entries.map(([, flat]) => Object.fromEntries(chunk(flat))).map((f) => [f.request_id, f.outcome]),
    [
      ["x", "success"],
      ["y", "failed"],
      ["z", "cancelled"],
    ],
  );
  assert.equal(await redis.get(RequestLog.keys("b:").request("y")), logged("y", "failed").json, "the document is the event's JSON");
  assert.equal(await log.appendAll([]), 0);
});

function chunk(flat: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}
