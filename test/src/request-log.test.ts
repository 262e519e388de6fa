import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { startPrivatePostgres, type PrivatePostgres } from "@switchyard/logger/testing";
import { ADMIN_KEY, eventually, loggedRequest, NARROW_KEY, postJson, startTestMesh, type TestMesh, userMessage } from "./harness.js";

// This mesh keeps its request log in PostgreSQL; every other end-to-end test uses the SQLite default.
let postgres: PrivatePostgres;
let t: TestMesh;
before(async () => {
  postgres = await startPrivatePostgres();
  t = await startTestMesh({ connectors: [{ provider: "mock" }], serviceEnv: { logger: { SWITCHYARD_LOG_DB: postgres.url } } });
});
after(async () => {
  await t?.stop();
  await postgres?.stop();
});

const get = (path: string, key = ADMIN_KEY) => fetch(t.url(path), { headers: { authorization: `Bearer ${key}` } });
// biome-ignore lint/suspicious/noExplicitAny: response bodies checked field by field below
const json = async (path: string, key = ADMIN_KEY): Promise<any> => (await get(path, key)).json();

async function chat(model: string, text: string, key = ADMIN_KEY): Promise<string> {
  const response = await postJson(t.url("/v1/chat/completions"), { model, messages: userMessage(text) }, { authorization: `Bearer ${key}`, "x-switchyard-cache": "bypass" });
  await response.text();
  return response.headers.get("x-request-id")!;
}

describe("the request log", () => {
  it("logs every request, shown to admin keys by id and in filtered, paged lists", async () => {
    const ids = [await chat("mock-echo", "one"), await chat("mock-echo", "two"), await chat("mock-failover", "three"), await chat("mock-echo", "four", NARROW_KEY)];
    for (const id of ids) await eventually(() => loggedRequest(t, id), `the log entry of ${id}`);

    const failover = (await loggedRequest(t, ids[2]!))!;
    assert.equal(failover.entry.model, "mock-failover");
    assert.equal(failover.entry.deployment_id, "mock/echo");
    assert.equal(failover.entry.key_name, "admin");
    assert.equal(failover.entry.team, "platform");
    assert.equal(failover.entry.outcome, "success");
    assert.equal(failover.entry.attempts, 2);
    assert.deepEqual(failover.event.attempts.map((a) => [a.deploymentId, a.status]), [["mock-flaky", 503], ["mock/echo", 200]], "the detail view has every attempt");

    const byModel = await json("/admin/logs?model=mock-failover");
    assert.deepEqual(byModel.data.map((e: { request_id: string }) => e.request_id), [ids[2]]);
    const narrow = await json("/admin/logs?key=narrow");
    assert.deepEqual(narrow.data.map((e: { request_id: string }) => e.request_id), [ids[3]]);

    // Pages of one, newest first, until the cursor runs out.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(`/admin/logs?limit=1&deployment=mock%2Fecho&from=${Date.now() - 60_000}${cursor ? `&cursor=${cursor}` : ""}`);
      const page = (await response.json()) as { data: { request_id: string }[]; next_cursor: string | null; has_more: boolean };
      seen.push(...page.data.map((e) => e.request_id));
      assert.equal(page.has_more, page.next_cursor !== null);
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [ids[3], ids[2], ids[1], ids[0]]);
  });

  it("keeps one row per request when JetStream delivers an event again", async () => {
    const id = await chat("mock-echo", "once");
    const { event } = await eventually(() => loggedRequest(t, id), "the log entry");
    // The same event under another message id: JetStream stores and delivers it a second time.
    const again = natsHeaders();
    again.set("Nats-Msg-Id", `${id}-again`);
    const { jetstream } = await import("@nats-io/jetstream");
    await jetstream(t.nats).publish("switchyard.usage.success", JSON.stringify({ ...(await loggedRequest(t, id))!.entry.usage_event as object }), { headers: again });
    const marker = await chat("mock-echo", "after the duplicate");
    await eventually(() => loggedRequest(t, marker), "a later request's entry");
    const rows = await json(`/admin/logs?from=${Number(event.time!.seconds) * 1000 - 1000}`);
    assert.equal(rows.data.filter((e: { request_id: string }) => e.request_id === id).length, 1);
  });

  it("shows a user key only its own requests at /v1/logs, and keeps /admin/logs for admin keys", async () => {
    const mine = await chat("mock-echo", "narrow's own", NARROW_KEY);
    const theirs = await chat("mock-echo", "admin's", ADMIN_KEY);
    await eventually(() => loggedRequest(t, theirs), "the admin request's entry");
    await eventually(() => loggedRequest(t, mine), "the narrow request's entry");

    const own = await json("/v1/logs?key=admin", NARROW_KEY);
    assert.ok(own.data.length >= 1);
    assert.ok(own.data.every((e: { key_name: string }) => e.key_name === "narrow"), "the key filter is always the caller's own");
    assert.equal((await get(`/v1/logs/${mine}`, NARROW_KEY)).status, 200);
    const hidden = await get(`/v1/logs/${theirs}`, NARROW_KEY);
    assert.equal(hidden.status, 404, "another key's request is not found");
    assert.equal(((await hidden.json()) as { error: { code: string } }).error.code, "not_found");

    const forbidden = await get("/admin/logs", NARROW_KEY);
    assert.equal(forbidden.status, 403);
    assert.equal(((await forbidden.json()) as { error: { type: string } }).error.type, "permission_error");
    assert.equal((await get("/admin/logs", "sk-nobody-0000")).status, 401);
  });

  it("answers bad queries with an OpenAI error naming the parameter", async () => {
    for (const [query, param] of [
      ["from=yesterday", "from"],
      ["limit=9999", "limit"],
      ["colour=blue", "colour"],
    ]) {
      const response = await get(`/admin/logs?${query}`);
      assert.equal(response.status, 400, query);
      const body = (await response.json()) as { error: { type: string; param: string } };
      assert.equal(body.error.type, "invalid_request_error");
      assert.equal(body.error.param, param, query);
    }
    assert.equal((await get("/admin/logs/no-such-request")).status, 404);
  });
});
