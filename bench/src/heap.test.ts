import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { it } from "node:test";
import { heapTrough, parseHeapMetrics, streamCostBytes } from "./heap.js";

const exposition = (heapUsed: number, external: number) =>
  [
    "# HELP switchyard_nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.",
    "# TYPE switchyard_nodejs_heap_size_used_bytes gauge",
    `switchyard_nodejs_heap_size_used_bytes{service="ingress"} ${heapUsed}`,
    "switchyard_nodejs_heap_size_total_bytes 99999999",
    `switchyard_nodejs_external_memory_bytes ${external}`,
    'switchyard_nodejs_heap_space_size_used_bytes{space="new"} 123',
    "",
  ].join("\n");

it("reads the heap in use and the external memory from a Prometheus exposition", () => {
  assert.deepEqual(parseHeapMetrics(exposition(41_000_000, 2_500_000)), { heapUsed: 41_000_000, external: 2_500_000 });
});

it("gives nothing when a gauge is missing or not a number", () => {
  assert.equal(parseHeapMetrics("switchyard_nodejs_heap_size_used_bytes 10\n"), undefined);
  assert.equal(parseHeapMetrics(exposition(Number.NaN, 1)), undefined);
});

it("keeps each process's lowest reading over the samples and leaves out one that never answers", async () => {
  const readings = [50, 30, 40];
  let served = 0;
  const server = createServer((_req, res) => res.end(exposition(readings[served++ % readings.length]! * 1_000_000, 1_000_000)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const trough = await heapTrough(
      [
        { name: "svc", opsUrl: `http://127.0.0.1:${port}` },
        { name: "gone", opsUrl: "http://127.0.0.1:1" },
      ],
      3,
      1,
    );
    assert.deepEqual(trough, { svc: 31_000_000 });
  } finally {
    server.close();
  }
});

it("judges an open stream by the larger of its RSS and heap figures", () => {
  assert.equal(streamCostBytes({ bytesPerStream: -4_000, heapBytesPerStream: 9_000 }), 9_000);
  assert.equal(streamCostBytes({ bytesPerStream: 20_000, heapBytesPerStream: 9_000 }), 20_000);
  assert.equal(streamCostBytes({ bytesPerStream: 7_000 }), 7_000);
});
