// `npm run bench:flights`: what stampede protection adds to a cache miss, in this process's CPU
// time per miss: joining a flight (the lease's SET NX in Redis) and ending it, one miss at a
// time, against a private redis-server; and within one process (no Redis) for comparison. The
// key's random id is part of both figures (about a microsecond).
import { randomUUID } from "node:crypto";
import { startPrivateRedis } from "@switchyard/mesh";
import { Redis } from "ioredis";
import { Flights } from "./flights.js";

const MISSES = 20_000;

/** CPU µs of this process per miss, and wall-clock µs per miss (the lease's round trip included). */
async function perMiss(flights: Flights): Promise<{ cpu: number; wall: number }> {
  // The lease is released by the store's own batched write in the gateway, so nothing more here.
  const run = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const role = await flights.join(`key-${randomUUID()}`);
      if (role.role === "leader") role.leader.flight.push({ kind: "done", deploymentId: "d", completion: new Uint8Array(0) });
    }
  };
  await run(2_000);
  const started = process.cpuUsage();
  const wallStarted = performance.now();
  await run(MISSES);
  const wall = ((performance.now() - wallStarted) * 1000) / MISSES;
  const used = process.cpuUsage(started);
  return { cpu: (used.user + used.system) / MISSES, wall };
}

const server = await startPrivateRedis();
const redis = new Redis(server.url);
const subscriber = new Redis(server.url);
try {
  const withRedis = await perMiss(new Flights(redis, subscriber, { prefix: "bench:", owner: randomUUID(), leaseMs: 5_000 }));
  const local = await perMiss(new Flights(redis, undefined, { prefix: "bench:", owner: randomUUID(), leaseMs: 5_000 }));
  console.log(
    `stampede bookkeeping per miss: ${withRedis.cpu.toFixed(1)} µs of CPU with the Redis lease (join, SET NX; ${withRedis.wall.toFixed(0)} µs wall-clock, the round trip included), ` +
      `${local.cpu.toFixed(1)} µs within one process`,
  );
} finally {
  subscriber.disconnect();
  redis.disconnect();
  await server.stop();
}
