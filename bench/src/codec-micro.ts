// `node bench/dist/codec-micro.js`: µs per usage event read by the consumers' decoder
// (`decodeUsageEvent`, packages/bus) and by plain protobuf-es doing the same work (decode, the
// facts, the stored JSON). Warm, single process; the full path's share is measured by the bench.
import { fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { decodeUsageEvent, encodeUsageEvent, factsOf } from "@switchyard/bus";
import { UsageEventSchema } from "@switchyard/proto";

const ROUNDS = 5;
const PER_ROUND = 50_000;

/** Median µs per call over `ROUNDS` timed rounds, after one untimed round. */
function microseconds(work: () => unknown): number {
  for (let i = 0; i < PER_ROUND; i++) work();
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < PER_ROUND; i++) work();
    rounds.push(Number(process.hrtime.bigint() - start) / 1e3 / PER_ROUND);
  }
  return rounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

/** A cache-miss request's event, as the ingress publishes it. */
const text = encodeUsageEvent({
  requestId: "req_0123456789abcdef",
  time: timestampFromMs(Date.now()),
  outcome: "success",
  status: 200,
  endpoint: "/v1/chat/completions",
  keyName: "bench-1",
  team: "bench",
  model: "gpt-4o-mini",
  deploymentId: "openai/gpt-4o-mini",
  provider: "openai",
  upstreamModel: "gpt-4o-mini",
  usage: { promptTokens: 12, completionTokens: 30, totalTokens: 42 },
  costUsd: 0.0000123,
  cache: "miss",
  latencyMs: 1.234567,
  attempts: [{ deploymentId: "openai/gpt-4o-mini", provider: "openai", status: 200, latencyMs: 0.9876 }],
  strategy: "weighted",
});

const codec = microseconds(() => decodeUsageEvent(text));
const protobuf = microseconds(() => {
  const event = fromJsonString(UsageEventSchema, text, { ignoreUnknownFields: true });
  return { ...factsOf(event), json: toJsonString(UsageEventSchema, event) };
});
console.log(
  `usage event decode: decodeUsageEvent ${codec.toFixed(2)} µs, protobuf-es ${protobuf.toFixed(2)} µs per event (${text.length} bytes of JSON)`,
);
