import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, toJsonString } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { UsageEventSchema } from "@switchyard/proto";
import { type PrivatePostgres, startPrivatePostgres } from "../testing/private-postgres.js";
import { type LogRow, type LogStore, PostgresLogStore, rowOf, SqliteLogStore } from "./index.js";

const T0 = Date.parse("2026-12-01T10:00:00Z");

function row(requestId: string, offsetS: number, fields: Record<string, unknown> = {}): LogRow {
  const event = create(UsageEventSchema, {
    requestId,
    time: timestampFromMs(T0 + offsetS * 1000),
    outcome: "success",
    status: 200,
    keyName: "app",
    team: "research",
    model: "mock-echo",
    deploymentId: "mock/echo",
    usage: { promptTokens: 3, completionTokens: 5, totalTokens: 8 },
    costUsd: 0.25,
    latencyMs: 12.5,
    attempts: [{ deploymentId: "mock/echo", status: 200 }],
    ...fields,
  });
  return rowOf(toJsonString(UsageEventSchema, event), 0);
}

function suite(name: string, open: () => Promise<LogStore>, close: () => Promise<void> = async () => {}) {
  describe(`${name} request log`, () => {
    let store: LogStore;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
      await close();
    });

    it("keeps one row per request id, however often an event comes again", async () => {
      assert.equal(await store.insert([row("a", 1), row("b", 2)]), 2);
      assert.equal(await store.insert([row("a", 1), row("c", 3), row("c", 3)]), 1, "redeliveries and repeats within a batch add nothing");
      const a = await store.get("a");
      assert.equal(a?.key_name, "app");
      assert.equal(a?.deployment_id, "mock/echo");
      assert.equal(a?.prompt_tokens, 3);
      assert.equal(a?.cost_usd, 0.25);
      assert.equal(a?.time_ms, T0 + 1000);
      assert.equal(a?.stream, false);
      assert.equal(a?.attempts, 1);
      assert.equal(JSON.parse(a!.event).requestId, "a");
      assert.equal(await store.get("nope"), undefined);
    });

    it("filters and pages newest first with a cursor", async () => {
      await store.insert([
        row("d", 4, { keyName: "other", outcome: "failed", status: 503, failure: { code: "upstream_unavailable" } }),
        row("e", 5, { model: "smart", deploymentId: "gpt4o" }),
        row("f", 5, { team: "ops" }),
      ]);
      const first = await store.query({ limit: 2 });
      assert.deepEqual(
        first.rows.map((r) => r.request_id),
        ["f", "e"],
        "same time: higher request id first",
      );
      assert.ok(first.nextCursor);
      const second = await store.query({ limit: 2, cursor: first.nextCursor! });
      assert.deepEqual(
        second.rows.map((r) => r.request_id),
        ["d", "c"],
      );
      const last = await store.query({ limit: 2, cursor: second.nextCursor! });
      assert.deepEqual(
        last.rows.map((r) => r.request_id),
        ["b", "a"],
      );
      assert.equal(last.nextCursor, undefined);

      assert.deepEqual(
        (await store.query({ limit: 10, key: "other" })).rows.map((r) => [r.request_id, r.error_code]),
        [["d", "upstream_unavailable"]],
      );
      assert.deepEqual(
        (await store.query({ limit: 10, model: "smart", deployment: "gpt4o" })).rows.map((r) => r.request_id),
        ["e"],
      );
      assert.deepEqual(
        (await store.query({ limit: 10, team: "ops" })).rows.map((r) => r.request_id),
        ["f"],
      );
      assert.deepEqual(
        (await store.query({ limit: 10, outcome: "failed" })).rows.map((r) => r.request_id),
        ["d"],
      );
      assert.deepEqual(
        (await store.query({ limit: 10, from: T0 + 2000, to: T0 + 4000 })).rows.map((r) => r.request_id),
        ["c", "b"],
        "`to` is exclusive",
      );
      assert.deepEqual((await store.query({ limit: 10, key: "x' OR '1'='1" })).rows, [], "filters are values, not SQL");
    });

    it("sums requests, failures, spend, tokens, latency and cache results per time bucket and group", async () => {
      const all = await store.stats({ from: T0, to: T0 + 10_000, bucketMs: 5_000 });
      assert.deepEqual(
        all.map((r) => [r.bucket, r.group, r.requests, r.failed]),
        [
          [T0, "", 4, 1],
          [T0 + 5_000, "", 2, 0],
        ],
        "a, b, c, d in the first five seconds; e and f in the next",
      );
      assert.equal(all[0]!.cost_usd, 1);
      assert.equal(all[0]!.input_tokens, 12);
      assert.equal(all[0]!.latency_ms_avg, 12.5);
      const byKey = await store.stats({ from: T0, to: T0 + 10_000, bucketMs: 60_000, groupBy: "key" });
      assert.deepEqual(
        byKey.map((r) => [r.group, r.requests]),
        [
          ["app", 5],
          ["other", 1],
        ],
      );
      const byDeployment = await store.stats({ from: T0, to: T0 + 10_000, bucketMs: 60_000, groupBy: "deployment", outcome: "success" });
      assert.deepEqual(
        byDeployment.map((r) => [r.group, r.requests]),
        [
          ["gpt4o", 1],
          ["mock/echo", 4],
        ],
      );
    });

    it("deletes rows past the age limit, then the oldest beyond the row limit", async () => {
      const now = T0 + 10_000;
      assert.equal(await store.prune(7_500, 1_000, now), 2, "a and b are older than 7.5 s");
      assert.deepEqual(
        (await store.query({ limit: 10 })).rows.map((r) => r.request_id),
        ["f", "e", "d", "c"],
      );
      assert.equal(await store.prune(60_000, 2, now), 2);
      assert.deepEqual(
        (await store.query({ limit: 10 })).rows.map((r) => r.request_id),
        ["f", "e"],
      );
      assert.equal(await store.prune(60_000, 2, now), 0, "within both limits: nothing goes");
      assert.deepEqual(await store.readiness(), []);
    });
  });
}

suite("SQLite", async () => new SqliteLogStore(":memory:"));

let postgres: PrivatePostgres;
suite(
  "PostgreSQL",
  async () => {
    postgres = await startPrivatePostgres();
    return new PostgresLogStore(postgres.url).open();
  },
  () => postgres.stop(),
);
