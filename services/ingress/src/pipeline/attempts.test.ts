import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Cancellation, GrpcStatus } from "@switchyard/grpc";
import { type Attempt, DeploymentSchema, type GenerateResponse, GenerateResponseSchema, Operation } from "@switchyard/proto";
import type { ConnectorClient } from "../mesh/connector-pool.js";
import { type ConnectorPicker, openFirstAttempt } from "./attempts.js";

type Behaviour = "answers" | "dies";

/** A connector replica whose Generate call either yields one completion or fails as a dead process does. */
function replica(behaviour: Behaviour, calls: string[], id: string): ConnectorClient {
  return {
    generate() {
      calls.push(id);
      return (async function* (): AsyncGenerator<GenerateResponse> {
        if (behaviour === "dies") throw Object.assign(new Error("connection dropped"), { code: GrpcStatus.UNAVAILABLE });
        yield create(GenerateResponseSchema, { event: { case: "completion", value: new Uint8Array([123, 125]) } });
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
    const opened = await openFirstAttempt(plan, request(), picker({ p1: { r1: "dies", r2: "answers" }, p2: { r3: "answers" } }, calls), attempts);
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
    const opened = await openFirstAttempt(plan, request(), picker({ p1: { r1: "dies", r2: "dies" }, p2: { r3: "answers" } }, calls), attempts);
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
});
