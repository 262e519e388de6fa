import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { create, fromJsonString } from "@bufbuild/protobuf";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type PrivateServer, startPrivateNats } from "@switchyard/mesh";
import { UsageEventSchema } from "@switchyard/proto";
import { pino } from "pino";
import { USAGE_STREAM } from "./subjects.js";
import { consumeUsage, type UsageRecord } from "./usage-consumer.js";
import { UsagePublisher } from "./usage-publisher.js";
import { ensureUsageStream } from "./usage-stream.js";

const logger = pino({ level: "silent" });
let server: PrivateServer;
let nc: NatsConnection;
before(async () => {
  server = await startPrivateNats();
  nc = await connect({ servers: server.url });
  await ensureUsageStream(nc);
  await ensureUsageStream(nc); // idempotent
});
after(async () => {
  await nc.close();
  await server.stop();
});

const event = (requestId: string) => create(UsageEventSchema, { requestId, outcome: "success", model: "mock-echo", costUsd: 0.25 });

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

it("publishes every event off the request path, stores each request id once, and delivers them to a durable consumer in batches", async () => {
  const publisher = new UsagePublisher(nc, logger);
  for (let i = 0; i < 200; i++) publisher.publish("success", event(`r${i}`));
  publisher.publish("success", event("r0")); // a retry of r0
  await publisher.flush();
  assert.equal(publisher.stats.published, 201);
  assert.equal(publisher.stats.pending, 0);
  const manager = await jetstreamManager(nc);
  assert.equal((await manager.streams.info(USAGE_STREAM)).state.messages, 200, "the duplicate r0 was dropped by Nats-Msg-Id");

  // The public contract: one message per request on switchyard.usage.<outcome>, its id in
  // Nats-Msg-Id, the protobuf JSON of the event as payload.
  const stored = (await manager.streams.getMessage(USAGE_STREAM, { seq: 1 }))!;
  assert.equal(stored.subject, "switchyard.usage.success");
  assert.equal(stored.header.get("Nats-Msg-Id"), "r0");
  assert.deepEqual(fromJsonString(UsageEventSchema, stored.string()), event("r0"));

  const seen = new Set<string>();
  const batchSizes: number[] = [];
  let failedOnce = false;
  const consumer = await consumeUsage(nc, {
    durable: "test-durable",
    logger,
    maxBatch: 16,
    handleBatch: async (records: UsageRecord[]) => {
      batchSizes.push(records.length);
      if (!failedOnce && records.some((r) => r.requestId === "r5")) {
        failedOnce = true;
        throw new Error("handler hiccup: the batch must be redelivered");
      }
      for (const record of records) {
        assert.equal(record.subject, "switchyard.usage.success");
        assert.equal(record.model, "mock-echo");
        seen.add(record.requestId);
      }
    },
  });
  await until(() => (seen.size === 200 ? true : undefined), "every event");
  await consumer.stop();
  assert.ok(failedOnce);
  assert.ok(Math.max(...batchSizes) <= 16, "batches respect maxBatch");
  await until(
    async () => ((await manager.consumers.info(USAGE_STREAM, "test-durable")).num_ack_pending === 0 ? true : undefined),
    "every event acked",
  );
});

it("discards an unreadable event and goes on with the others", async () => {
  nc.publish("switchyard.usage.failed", "this is not JSON"); // someone else's broken publisher
  const publisher = new UsagePublisher(nc, logger);
  publisher.publish("failed", event("after-garbage"));
  await publisher.flush();
  const seen: string[] = [];
  const consumer = await consumeUsage(nc, {
    durable: "test-unreadable",
    logger,
    handleBatch: async (records) => void seen.push(...records.map((r) => r.requestId)),
  });
  await until(() => (seen.includes("after-garbage") ? true : undefined), "the readable event");
  await consumer.stop();
  assert.equal(seen.filter((id) => id === "after-garbage").length, 1);
  const manager = await jetstreamManager(nc);
  await until(
    async () => ((await manager.consumers.info(USAGE_STREAM, "test-unreadable")).num_ack_pending === 0 ? true : undefined),
    "nothing left unacked",
  );
});

it("retries a publish JetStream refuses, with the same id, until the stream is there", async () => {
  const bare = await startPrivateNats();
  const connection = await connect({ servers: bare.url });
  try {
    const publisher = new UsagePublisher(connection, logger);
    for (let i = 0; i < 5; i++) publisher.publish("success", event(`early${i}`));
    await until(() => (publisher.stats.failed > 0 ? true : undefined), "the publish to be refused (no stream yet)");
    await ensureUsageStream(connection);
    await publisher.flush(60_000);
    assert.equal(publisher.stats.published, 5);
    assert.equal((await (await jetstreamManager(connection)).streams.info(USAGE_STREAM)).state.messages, 5);
  } finally {
    await connection.close();
    await bare.stop();
  }
});

it("keeps events while NATS is down and stores them once it is back", async () => {
  const flaky = await startPrivateNats();
  const connection = await connect({ servers: flaky.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  try {
    await ensureUsageStream(connection);
    const publisher = new UsagePublisher(connection, logger);
    await flaky.pause();
    for (let i = 0; i < 20; i++) publisher.publish("success", event(`outage${i}`));
    await flaky.resume();
    await publisher.flush(60_000);
    assert.equal(publisher.stats.published, 20);
    assert.equal((await (await jetstreamManager(connection)).streams.info(USAGE_STREAM)).state.messages, 20);
  } finally {
    await connection.close();
    await flaky.stop();
  }
});
