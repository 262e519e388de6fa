import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, equals, fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ErrorClass, UsageEventSchema } from "@switchyard/proto";
import { decodeUsageEvent, encodeUsageEvent, factsOf, isPlainProtoJson, type UsageEventInit } from "./usage-codec.js";

/** An event with every field of UsageEvent set, nested messages and the enum included. */
const everyField = create(UsageEventSchema, {
  requestId: "req_full",
  time: timestampFromDate(new Date("2026-11-24T23:59:59.999Z")),
  outcome: "failed",
  status: 502,
  endpoint: "/v1/chat/completions",
  keyName: "dev",
  team: "research",
  model: "mock-failover",
  deploymentId: "mock/echo",
  provider: "mock",
  upstreamModel: "echo",
  stream: true,
  usage: { promptTokens: 12, completionTokens: 34, totalTokens: 46 },
  costUsd: 0.000123,
  cache: "miss",
  latencyMs: 12.5,
  ttftMs: 3.25,
  attempts: [
    { deploymentId: "mock-flaky", provider: "mock", status: 503, latencyMs: 1.5, errorCode: "upstream_unavailable", retryAfterS: 2 },
    { deploymentId: "mock/echo", provider: "mock", status: 200, latencyMs: 2 },
  ],
  failure: { class: ErrorClass.RETRYABLE, code: "upstream_unavailable", message: "503", upstreamStatus: 503, param: "", retryAfterS: 2 },
  strategy: "failover",
  route: "failover; config order",
  eventId: "req_abc00000001",
  guardrails: "pii:email=1",
});

describe("decodeUsageEvent", () => {
  it("reads what the publisher writes without re-encoding it, and covers every field of UsageEvent", () => {
    for (const field of UsageEventSchema.fields) {
      assert.notDeepEqual(
        (everyField as unknown as Record<string, unknown>)[field.localName],
        create(UsageEventSchema)[field.localName as keyof typeof everyField],
        `the sample sets ${field.name}`,
      );
    }
    const text = toJsonString(UsageEventSchema, everyField);
    const decoded = decodeUsageEvent(text);
    assert.equal(decoded.json, text, "plain protobuf JSON is kept as published");
    assert.deepEqual({ ...decoded, json: undefined }, { ...factsOf(everyField), json: undefined });
  });

  it("reads every other protobuf JSON form as protobuf does, and re-encodes it plainly", () => {
    const plain = toJsonString(UsageEventSchema, everyField);
    const variants = [
      plain.replace('"requestId"', '"request_id"'), // proto field name
      plain.replace('"status":502', '"status":"502"'), // number in a string
      plain.replace('"costUsd":0.000123', '"costUsd":"0.000123"'),
      plain.replace('"stream":true', '"stream":null'), // null: the default
      plain.replace('"class":"ERROR_CLASS_RETRYABLE"', '"class":1'), // enum by number
      plain.replace("{", '{"addedLater":{"x":1},'), // unknown field (newer publisher)
      plain.replace('"2026-11-24T23:59:59.999Z"', '"2026-11-25T00:59:59.999+01:00"'), // another offset, same instant
    ];
    for (const text of variants) {
      const expected = fromJsonString(UsageEventSchema, text, { ignoreUnknownFields: true });
      const decoded = decodeUsageEvent(text);
      assert.deepEqual({ ...decoded, json: undefined }, { ...factsOf(expected), json: undefined }, text);
      assert.ok(equals(UsageEventSchema, fromJsonString(UsageEventSchema, decoded.json), expected), text);
    }
  });

  it("reads the event's time exactly as protobuf does, up to nanoseconds and offsets", () => {
    for (const time of [
      "2026-11-24T23:59:59Z",
      "2026-11-24T23:59:59.9995Z",
      "2026-11-24T23:59:59.999999999Z",
      "2026-11-24T22:59:59.5-01:00",
      "0001-01-01T00:00:00Z",
    ]) {
      const text = JSON.stringify({ requestId: "r", time });
      assert.equal(decodeUsageEvent(text).timeMs, factsOf(fromJsonString(UsageEventSchema, text)).timeMs, time);
    }
    assert.equal(decodeUsageEvent('{"requestId":"r"}').timeMs, undefined);
  });

  it("defaults what an event leaves out", () => {
    assert.deepEqual(decodeUsageEvent("{}"), { ...factsOf(create(UsageEventSchema)), json: "{}" });
  });

  it("refuses what is not a UsageEvent", () => {
    for (const text of [
      "",
      "not json",
      "[]",
      '{"status":-1}',
      '{"time":"yesterday"}',
      '{"time":"2026-13-45T00:00:00Z"}',
      '{"attempts":{}}',
      '{"requestId":7}',
    ]) {
      assert.throws(() => decodeUsageEvent(text), Error, text);
    }
  });
});

describe("isPlainProtoJson", () => {
  it("accepts only what needs no conversion", () => {
    assert.equal(isPlainProtoJson({ status: 200, usage: { promptTokens: 1 } }, UsageEventSchema), true);
    assert.equal(isPlainProtoJson({ status: 1.5 }, UsageEventSchema), false);
    assert.equal(isPlainProtoJson({ status: 2 ** 32 }, UsageEventSchema), false);
    assert.equal(isPlainProtoJson({ failure: { class: "NOT_A_CLASS" } }, UsageEventSchema), false);
    assert.equal(isPlainProtoJson({ attempts: [{ status: "200" }] }, UsageEventSchema), false);
    assert.equal(isPlainProtoJson(null, UsageEventSchema), false);
  });
});

describe("encodeUsageEvent and decodeUsageEvent", () => {
  it("reads back what the publisher writes, for a spread of generated events, keeping the text as published", () => {
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 0x7fffffff);
    const pick = <T>(items: readonly T[]) => items[next() % items.length]!;
    for (let i = 0; i < 500; i++) {
      const init: UsageEventInit = {
        requestId: `req_${next().toString(36)}`,
        time: {
          seconds: BigInt(1_700_000_000 + (next() % 100_000_000)),
          nanos: pick([0, 1_000_000 * (next() % 1000), next() % 1_000_000_000]),
        },
        outcome: pick(["success", "cache_hit", "rejected", "failed", "cancelled", ""]),
        status: pick([0, 200, 400, 429, 502]),
        stream: pick([true, false]),
        costUsd: pick([0, next() / 1e9, 1e-12, 123456.789]),
        latencyMs: next() / 1000,
        ttftMs: pick([0, next() / 7]),
        usage: pick([undefined, { promptTokens: next() % 5000, completionTokens: next() % 300, totalTokens: next() % 5300 }]),
        attempts: Array.from({ length: next() % 3 }, () => ({
          deploymentId: pick(["a", "b/c"]),
          provider: "p",
          status: pick([0, 200, 503]),
          latencyMs: next() / 3,
          errorCode: pick(["", "upstream_timeout"]),
        })),
        failure: pick([
          undefined,
          {
            class: pick([ErrorClass.RETRYABLE, ErrorClass.FINAL, ErrorClass.CLIENT]),
            code: "x",
            message: "m",
            upstreamStatus: pick([0, 503]),
            retryAfterS: pick([0, 2]),
          },
        ]),
        strategy: pick(["", "failover", "simple-shuffle"]),
      };
      const text = encodeUsageEvent(init);
      const label = JSON.stringify(init, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
      assert.deepEqual(decodeUsageEvent(text), { ...factsOf(create(UsageEventSchema, init)), json: text }, label);
    }
  });
});
