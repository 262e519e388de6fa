import assert from "node:assert/strict";
import { it } from "node:test";
import { type EventJson, formatEvent, matches } from "./events-tail.js";

const failover: EventJson = {
  requestId: "req_1",
  time: "2026-12-07T10:11:12.345Z",
  outcome: "success",
  status: 200,
  keyName: "app",
  team: "research",
  model: "smart",
  deploymentId: "sonnet",
  usage: { promptTokens: 12, completionTokens: 30 },
  costUsd: 0.00042,
  cache: "miss",
  latencyMs: 812.25,
  ttftMs: 140.5,
  attempts: [
    { deploymentId: "gpt4o", status: 503 },
    { deploymentId: "sonnet", status: 200 },
  ],
};

it("prints an event as one readable line", () => {
  assert.equal(
    formatEvent(failover),
    "10:11:12.345  success    200  smart → sonnet  key=app team=research  tokens=12/30  $0.000420  812.3ms (ttft 140.5ms)  cache=miss  attempts=gpt4o:503,sonnet:200  req_1",
  );
  assert.equal(
    formatEvent({ requestId: "req_2", outcome: "rejected", status: 401, model: "smart", failure: { code: "invalid_api_key" } }),
    "--:--:--.---  rejected   401  smart  key=-  tokens=0/0  $0.000000  0.0ms  attempts=-  error=invalid_api_key  req_2",
  );
});

it("filters on key, team, model, deployment and outcome together", () => {
  assert.ok(matches(failover, {}));
  assert.ok(matches(failover, { key: "app", team: "research", model: "smart", deployment: "sonnet", outcome: "success" }));
  assert.ok(!matches(failover, { key: "other" }));
  assert.ok(!matches(failover, { deployment: "gpt4o" }), "the deployment that answered, not one that failed");
});
