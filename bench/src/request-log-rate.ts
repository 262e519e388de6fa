// How fast the logger stores usage events in its request log, SQLite and PostgreSQL:
//   node bench/dist/request-log-rate.js [events]   (default 50000)
// A backlog of events is published to a private JetStream first; then a logger starts on it and
// drains it into each database in turn. Rate = events / time from ready to the last one stored.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { ensureUsageStream, UsagePublisher } from "@switchyard/bus";
import { startPrivatePostgres } from "@switchyard/logger/testing";
import { freePort, REPO_ROOT, startPrivateNats } from "@switchyard/mesh";
import { createLogger } from "@switchyard/telemetry";

const events = Number(process.argv[2] ?? 50_000);
const log = (line: string) => process.stdout.write(`${line}\n`);

const nats = await startPrivateNats();
const postgres = await startPrivatePostgres();
const nc = await connect({ servers: nats.url });
try {
  await ensureUsageStream(nc);
  const publisher = new UsagePublisher(nc, createLogger("bench", "warn"));
  const started = Date.now();
  for (let i = 0; i < events; i++) {
    publisher.publish("success", {
      requestId: `req_bench_${i}`,
      time: { seconds: BigInt(Math.floor(started / 1000)), nanos: 0 },
      outcome: "success",
      status: 200,
      endpoint: "/v1/chat/completions",
      keyName: `key-${i % 20}`,
      team: `team-${i % 4}`,
      model: "mock-echo",
      deploymentId: "mock/echo",
      provider: "mock",
      upstreamModel: "echo",
      usage: { promptTokens: 12, completionTokens: 30, totalTokens: 42 },
      costUsd: 0.000072,
      cache: "miss",
      latencyMs: 3.2,
      attempts: [{ deploymentId: "mock/echo", provider: "mock", status: 200, latencyMs: 2.1 }],
      strategy: "failover",
    });
    if (i % 2_000 === 1_999) await publisher.flush(30_000);
  }
  await publisher.flush(60_000);
  log(`published ${events} usage events in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  for (const [name, url] of [
    ["SQLite", `sqlite:${join(mkdtempSync(join(tmpdir(), "switchyard-bench-log-")), "request-log.sqlite")}`],
    ["PostgreSQL", postgres.url],
  ] as const) {
    const manager = await jetstreamManager(nc);
    await manager.consumers.delete("SWITCHYARD_USAGE", "logger").catch(() => {});
    const opsPort = await freePort("127.0.0.1");
    const logger = spawn(process.execPath, [join(REPO_ROOT, "services", "logger", "dist", "main.js")], {
      env: {
        ...process.env,
        NATS_URL: nats.url,
        SWITCHYARD_LOG_DB: url,
        OPS_PORT: String(opsPort),
        LOG_LEVEL: "warn",
        SWITCHYARD_CONFIG: join(REPO_ROOT, "config", "switchyard.yaml"),
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    try {
      const metrics = () =>
        fetch(`http://127.0.0.1:${opsPort}/metrics`).then(
          (r) => r.text(),
          () => "",
        );
      const logged = async () => Number(/switchyard_logger_events_total\{result="logged"[^}]*\} (\d+)/.exec(await metrics())?.[1] ?? 0);
      while (
        !(await fetch(`http://127.0.0.1:${opsPort}/readyz`).then(
          (r) => r.ok,
          () => false,
        ))
      )
        await new Promise((r) => setTimeout(r, 20));
      const from = performance.now();
      let stored = 0;
      let last = { count: -1, at: performance.now() };
      while (stored < events && performance.now() - last.at < 10_000) {
        await new Promise((r) => setTimeout(r, 50));
        stored = await logged();
        if (stored !== last.count) last = { count: stored, at: performance.now() };
      }
      const seconds = (last.at - from) / 1000;
      log(
        `${name}: ${stored} of ${events} stored in ${seconds.toFixed(2)} s: ${Math.round(stored / seconds)} events/s, ${events - stored} lost`,
      );
    } finally {
      logger.kill("SIGTERM");
      await new Promise((r) => logger.once("exit", r));
    }
  }
} finally {
  await nc.close();
  await nats.stop();
  await postgres.stop();
}
