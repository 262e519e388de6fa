import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { GatewayError } from "@switchyard/errors";
import { Cancellation, GrpcStatus } from "@switchyard/grpc";
import { type Attempt, DeploymentSchema, type GenerateResponse, GenerateResponseSchema, Operation } from "@switchyard/proto";
import type { ConnectorClient } from "../mesh/connector-pool.js";
import { failedCheck } from "./answer-checks.js";
import { AttemptsExhausted, type ConnectorPicker, jittered, openFirstAttempt } from "./attempts.js";

type Behaviour = "answers" | "dies" | "503" | "429" | "too-long" | "empty";

/** A connector replica whose Generate call either yields one completion or fails as a dead process does. */
function replica(behaviour: Behaviour, calls: string[], id: string): ConnectorClient {
  return {
    generate() {
      calls.push(id);
      return (async function* (): AsyncGenerator<GenerateResponse> {
        if (behaviour === "dies") throw Object.assign(new Error("connection dropped"), { code: GrpcStatus.UNAVAILABLE });
        if (behaviour === "503" || behaviour === "429" || behaviour === "too-long") {
          const error =
            behaviour === "503"
              ? new GatewayError("upstream_unavailable", "down", { upstreamStatus: 503 })
              : behaviour === "429"
                ? new GatewayError("upstream_rate_limited", "slow down", { upstreamStatus: 429, retryAfterS: 1 })
                : new GatewayError("upstream_rejected", "This model's maximum context length is 8192 tokens", { upstreamStatus: 400 });
          yield create(GenerateResponseSchema, { event: { case: "failure", value: error.toFailure() } });
          return;
        }
        const content = behaviour === "empty" ? "" : "fine";
        const body = JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] });
        yield create(GenerateResponseSchema, { event: { case: "completion", value: new TextEncoder().encode(body) } });
      })();
    },
  } as unknown as ConnectorClient;
}

function picker(replicas: Record<string, Record<string, Behaviour>>, calls: string[]): ConnectorPicker {
  return {
    pick(provider, exclude = new Set()) {
      const id = Object.keys(replicas[provider] ?? {}).find((r) => !exclude.has(r));
      return id ? { id, client: replica(replicas[provider]![id]!, calls, id) } : undefined;
    },
  };
}

const request = () => ({
  requestId: "req_1",
  operation: Operation.CHAT,
  stream: false,
  body: new Uint8Array(),
  deadline: Date.now() + 60_000,
  cancellation: new Cancellation(),
});

const plan = [
  create(DeploymentSchema, { id: "a", provider: "p1", model: "m" }),
  create(DeploymentSchema, { id: "b", provider: "p2", model: "m" }),
];

describe("openFirstAttempt", () => {
  it("retries a dead replica's call on a sibling replica of the same deployment before failing over", async () => {
    const calls: string[] = [];
    const attempts: Attempt[] = [];
    const opened = await openFirstAttempt(
      plan,
      request(),
      picker({ p1: { r1: "dies", r2: "answers" }, p2: { r3: "answers" } }, calls),
      attempts,
    );
    assert.equal(opened.deployment.id, "a");
    assert.deepEqual(calls, ["r1", "r2"]);
    assert.deepEqual(
      attempts.map((a) => [a.deploymentId, a.status, a.errorCode]),
      [
        ["a", 0, "upstream_unavailable"],
        ["a", 200, ""],
      ],
    );
  });

  it("moves to the next deployment once every replica of one has failed", async () => {
    const calls: string[] = [];
    const attempts: Attempt[] = [];
    const opened = await openFirstAttempt(
      plan,
      request(),
      picker({ p1: { r1: "dies", r2: "dies" }, p2: { r3: "answers" } }, calls),
      attempts,
    );
    assert.equal(opened.deployment.id, "b");
    assert.deepEqual(calls, ["r1", "r2", "r3"]);
  });

  it("records a provider without a running connector and fails over", async () => {
    const calls: string[] = [];
    const attempts: Attempt[] = [];
    const opened = await openFirstAttempt(plan, request(), picker({ p2: { r3: "answers" } }, calls), attempts);
    assert.equal(opened.deployment.id, "b");
    assert.deepEqual(
      attempts.map((a) => [a.deploymentId, a.errorCode]),
      [
        ["a", "no_connector"],
        ["b", ""],
      ],
    );
  });

  const retrying = { retries: { attempts: 2, backoffMs: 1, maxBackoffMs: 2 }, ownAttempts: 2, random: () => 0.5 };

  it("retries a failing deployment as often as retries.attempts allows, then moves on", async () => {
    const calls: string[] = [];
    const attempts: Attempt[] = [];
    const opened = await openFirstAttempt(plan, request(), picker({ p1: { r1: "503" }, p2: { r3: "answers" } }, calls), attempts, retrying);
    assert.equal(opened.deployment.id, "b");
    assert.deepEqual(
      attempts.map((a) => `${a.deploymentId}:${a.status}`),
      ["a:503", "a:503", "a:503", "b:200"],
    );
  });

  it("backs off exponentially with jitter, capped", () => {
    const retries = { attempts: 5, backoffMs: 100, maxBackoffMs: 300 };
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => jittered(retries, n, () => 0)),
      [50, 100, 150, 150],
    );
    assert.deepEqual(
      [0, 1, 2].map((n) => jittered(retries, n, () => 1)),
      [100, 200, 300],
    );
  });

  it("moves on at once from a deployment that asked for a pause when another can be tried", async () => {
    const attempts: Attempt[] = [];
    const opened = await openFirstAttempt(plan, request(), picker({ p1: { r1: "429" }, p2: { r3: "answers" } }, []), attempts, retrying);
    assert.equal(opened.deployment.id, "b");
    assert.deepEqual(
      attempts.map((a) => [a.deploymentId, a.status, a.retryAfterS]),
      [
        ["a", 429, 1],
        ["b", 200, 0],
      ],
    );
  });

  it("does not wait out a retry-after longer than the time left", async () => {
    const attempts: Attempt[] = [];
    const short = { ...request(), deadline: Date.now() + 500 };
    await assert.rejects(
      openFirstAttempt([plan[0]!], short, picker({ p1: { r1: "429" } }, []), attempts, retrying),
      (error: unknown) => error instanceof AttemptsExhausted && error.error.code === "upstream_rate_limited",
    );
    assert.equal(attempts.length, 1);
  });

  it("goes to the fallbacks when an upstream says the prompt is too long", async () => {
    const withFallback = [...plan, create(DeploymentSchema, { id: "c", provider: "p3", model: "m" })];
    const attempts: Attempt[] = [];
    const notes: string[] = [];
    const opened = await openFirstAttempt(
      withFallback,
      request(),
      picker({ p1: { r1: "too-long" }, p2: { r2: "answers" }, p3: { r3: "answers" } }, []),
      attempts,
      { ...retrying, notes },
    );
    assert.equal(opened.deployment.id, "c");
    assert.deepEqual(notes, ["context too long for a: fallbacks"]);
  });

  it("escalates a cascade past an answer that fails a check, buffering it", async () => {
    const attempts: Attempt[] = [];
    const notes: string[] = [];
    const opened = await openFirstAttempt(plan, request(), picker({ p1: { r1: "empty" }, p2: { r3: "answers" } }, []), attempts, {
      ...retrying,
      check: (events) => failedCheck(["empty"], events, {}),
      notes,
    });
    assert.equal(opened.deployment.id, "b");
    assert.deepEqual(
      attempts.map((a) => `${a.deploymentId}:${a.status}:${a.errorCode}`),
      ["a:200:cascade_empty", "b:200:"],
    );
    assert.deepEqual(notes, ["escalated past a (empty)"]);
  });

  it("hedges a deployment that sent nothing in time: the first to answer wins, the other is cancelled and recorded", async () => {
    const cancelled: string[] = [];
    const slowPicker: ConnectorPicker = {
      pick(provider) {
        const client = {
          generate(_request: unknown, options: { cancellation: Cancellation }) {
            return (async function* (): AsyncGenerator<GenerateResponse> {
              if (provider === "p1") {
                // Never answers on its own: only a cancellation ends it.
                await new Promise<void>((resolve) => options.cancellation.onCancel(resolve));
                cancelled.push(provider);
                throw Object.assign(new Error("cancelled"), { code: GrpcStatus.CANCELLED });
              }
              yield create(GenerateResponseSchema, { event: { case: "completion", value: new TextEncoder().encode("{}") } });
            })();
          },
        } as unknown as ConnectorClient;
        return { id: provider, client };
      },
    };
    const attempts: Attempt[] = [];
    const notes: string[] = [];
    const opened = await openFirstAttempt(plan, request(), slowPicker, attempts, {
      ...retrying,
      notes,
      hedge: { afterMs: () => 5, take: () => true },
    });
    assert.equal(opened.deployment.id, "b");
    assert.deepEqual(
      attempts.map((a) => `${a.deploymentId}:${a.status}:${a.errorCode}`),
      ["a:499:hedge_cancelled", "b:200:"],
    );
    assert.deepEqual(notes, ["hedged b after 5ms"]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(cancelled, ["p1"]);
  });

  it("does not hedge when the budget is spent", async () => {
    const attempts: Attempt[] = [];
    const opened = await openFirstAttempt(plan, request(), picker({ p1: { r1: "answers" }, p2: { r2: "answers" } }, []), attempts, {
      ...retrying,
      hedge: { afterMs: () => 1, take: () => false },
    });
    assert.equal(opened.deployment.id, "a");
    assert.equal(attempts.length, 1);
  });
});
