import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type PrivateServer, startPrivateNats } from "@switchyard/mesh";
import { type UsageEvent, UsageEventSchema } from "@switchyard/proto";
import { pino } from "pino";
import { consumeUsage } from "./usage-consumer.js";
import { UsagePublisher } from "./usage-publisher.js";
import { USAGE_STREAM } from "./subjects.js";
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

it("publishes every event off the request path, stores each request id once, and delivers to a durable consumer", async () => {
  const publisher = new UsagePublisher(nc, logger);
  for (let i = 0; i < 200; i++) publisher.publish("success", create(UsageEventSchema, { requestId: `r${i}`, outcome: "success" }));
  publisher.publish("success", create(UsageEventSchema, { requestId: "r0", outcome: "success" })); // a retry of r0
  await publisher.flush();
  assert.equal(publisher.stats.published, 201);
  const info = await (await jetstreamManager(nc)).streams.info(USAGE_STREAM);
  assert.equal(info.state.messages, 200, "the duplicate r0 was dropped by Nats-Msg-Id");

  const seen = new Set<string>();
  let failedOnce = false;
  const done = new Promise<void>((resolve) => {
    void consumeUsage(nc, "test-durable", logger, async (event: UsageEvent, subject) => {
      assert.equal(subject, "switchyard.usage.success");
      if (event.requestId === "r5" && !failedOnce) {
        failedOnce = true;
        throw new Error("handler hiccup: must be redelivered");
      }
      seen.add(event.requestId);
      if (seen.size === 200) resolve();
    }).then((consumer) => done.then(() => consumer.stop()));
  });
  await done;
  assert.ok(failedOnce);
  assert.ok(seen.has("r5"), "the failed event came back");
});
