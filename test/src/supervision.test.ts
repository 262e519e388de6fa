import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient, GrpcStatus } from "@switchyard/grpc";
import type { SupervisionEvent } from "@switchyard/mesh";
import { RouterService } from "@switchyard/proto";
import { eventually, postJson, startTestMesh, type TestMesh, userMessage } from "./harness.js";

let t: TestMesh;
const supervision: SupervisionEvent[] = [];
before(async () => {
  t = await startTestMesh({ connectors: [{ provider: "mock", replicas: 2 }], onSupervision: (event) => supervision.push(event) });
});
after(async () => {
  await t?.stop();
});

/** Requests from a few clients, each sending its next as soon as the last is answered, until `until` settles. */
async function steadyLoad(until: Promise<unknown>, model = "mock-echo", clients = 4): Promise<{ sent: number; failures: string[] }> {
  let done = false;
  void until.finally(() => (done = true));
  let sent = 0;
  const failures: string[] = [];
  const client = async (c: number) => {
    // A few more after `until`, so requests also meet the service just back.
    for (let after = 0; after < 3; after += done ? 1 : 0) {
      const i = sent++;
      try {
        const response = await postJson(
          t.url("/v1/chat/completions"),
          { model, messages: userMessage(`load ${c} ${i}`) },
          { "x-switchyard-cache": "bypass" },
        );
        const body = await response.text();
        if (response.status !== 200) failures.push(`${response.status} ${body.slice(0, 200)}`);
      } catch (error) {
        failures.push(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  return { sent, failures };
}

/** Resolves once the supervisor has started `name` again and it reports ready. */
function restarted(name: string) {
  const proc = t.mesh.processes.find((p) => p.name === name)!;
  const before = proc.restarts;
  return eventually(
    async () =>
      proc.restarts > before &&
      (await fetch(`${proc.opsUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
        ? true
        : undefined,
    `${name} to be restarted`,
    60_000,
  );
}

/** Makes the ingress forget its reusable plans, so the next requests ask the router. */
function forgetPlans() {
  t.nats.publish("switchyard.control.invalidate", "router");
}

describe("a service killed under load", () => {
  it("restarts a killed router, and no request fails meanwhile", async () => {
    const router = t.mesh.processes.find((p) => p.name === "router")!;
    const pid = router.child.pid;
    const warm = await postJson(t.url("/v1/chat/completions"), { model: "mock-echo", messages: userMessage("warm") });
    assert.equal(warm.status, 200);
    await warm.text();
    const back = restarted("router");
    const load = steadyLoad(back);
    forgetPlans();
    t.mesh.kill("router");
    const { sent, failures } = await load;
    assert.deepEqual(failures, [], `${failures.length} of ${sent} failed`);
    assert.notEqual(router.child.pid, pid, "a new router process serves");
  });

  it("restarts a killed connector replica, and no request fails meanwhile", async () => {
    const replica = t.mesh.processes.find((p) => p.name.startsWith("connector-mock"))!;
    const pid = replica.child.pid;
    const back = restarted(replica.name);
    const load = steadyLoad(back, "mock-slow");
    await new Promise((r) => setTimeout(r, 100));
    t.mesh.kill(replica.name);
    const { sent, failures } = await load;
    assert.deepEqual(failures, [], `${failures.length} of ${sent} failed`);
    assert.notEqual(replica.child.pid, pid);
  });
});

describe("the router gone for good", () => {
  it("serves from the last plan, or the config's order for a model never planned, and lists the config's models", async () => {
    // A plan from the router itself (the ingress skips the router for a moment after a failed call,
    // as it may have seen while the earlier tests killed it).
    await eventually(async () => {
      const planned = await postJson(
        t.url("/v1/chat/completions"),
        { model: "mock-failover", messages: userMessage("before") },
        { "x-switchyard-cache": "bypass" },
      );
      assert.equal(planned.status, 200);
      await planned.text();
      return planned.headers.get("x-switchyard-route")?.includes("router unavailable") ? undefined : true;
    }, "a plan from the router");
    const routerPort = t.mesh.processes.find((p) => p.name === "router")!.grpcPort!;
    await t.mesh.stopProcess("router");
    forgetPlans();

    // A call to the dead service ends as unreachable at once, not when its (long) deadline passes.
    for (const multiplex of [true, false]) {
      const client = createClient(RouterService, `127.0.0.1:${routerPort}`, { multiplex });
      await assert.rejects(client.plan({ model: "mock-echo", operation: "chat" }, { timeoutMs: 600_000 }), (error: { code?: number }) => {
        assert.equal(error.code, GrpcStatus.UNAVAILABLE, `multiplex ${multiplex}: ${String(error)}`);
        return true;
      });
      client.close();
    }

    // Until the ingress has heard the invalidation, its cached plan still answers.
    const again = await eventually(async () => {
      const response = await postJson(
        t.url("/v1/chat/completions"),
        { model: "mock-failover", messages: userMessage("after") },
        { "x-switchyard-cache": "bypass" },
      );
      assert.equal(response.status, 200, await response.clone().text());
      if (/router unavailable/.test(response.headers.get("x-switchyard-route") ?? "")) return response;
      await response.text();
      return undefined;
    }, "the ingress to drop its cached plan");
    assert.match(again.headers.get("x-switchyard-route") ?? "", /router unavailable, last plan/);
    assert.equal(again.headers.get("x-switchyard-attempts"), "mock-flaky:503,mock/echo:200");
    await again.text();

    const fresh = await postJson(
      t.url("/v1/chat/completions"),
      { model: "mock-thinking", messages: userMessage("never planned") },
      { "x-switchyard-cache": "bypass" },
    );
    assert.equal(fresh.status, 200, await fresh.clone().text());
    assert.match(fresh.headers.get("x-switchyard-route") ?? "", /router unavailable, config order/);
    await fresh.text();

    const unknown = await postJson(t.url("/v1/chat/completions"), { model: "no-such-model", messages: userMessage("x") });
    assert.equal(unknown.status, 503, "a model the config does not know waits for the router");
    await unknown.text();

    const models = await fetch(t.url("/v1/models"), { headers: { authorization: "Bearer sk-test-admin-0001" } });
    assert.equal(models.status, 200);
    const ids = ((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id);
    assert.ok(ids.includes("mock-echo") && ids.includes("mock-thinking"), ids.join(", "));
  });
});

describe("a crash loop", () => {
  it("is given up on after the quick crashes the policy allows, with the reason", async () => {
    const budget = t.mesh.processes.find((p) => p.name === "budget")!;
    // Each new budget process is killed as soon as it exists: a crash within seconds of every start.
    for (let crash = 0; ; crash++) {
      const child = budget.child;
      t.mesh.kill("budget");
      const next = await eventually(
        async () =>
          supervision.find((e) => e.name === "budget" && e.kind === "gave-up") ??
          (budget.child !== child && budget.child.pid ? budget.child : undefined),
        "the supervisor to start budget again or give up",
        30_000,
      );
      if ("kind" in next) {
        assert.equal(next.kind === "gave-up" && next.reason, "crashed 6 times in a row, each within 10 s of starting");
        break;
      }
      assert.ok(crash < 10, "the supervisor gives up at last");
    }
    // The first kill may end a run long enough not to count as a quick crash; the ones after it do.
    const delays = supervision
      .filter((e) => e.name === "budget" && e.kind === "restarting")
      .map((e) => (e.kind === "restarting" ? e.inMs : -1));
    assert.deepEqual(delays.slice(-5), [100, 200, 400, 800, 1600]);
    assert.ok(delays.length === 5 || (delays.length === 6 && delays[0] === 100), delays.join(", "));
  });
});
