import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { type PrivatePostgres, startPrivatePostgres } from "@switchyard/logger/testing";
import { chromium } from "playwright-core";
import { ADMIN_KEY, eventually, loggedRequest, NARROW_KEY, postJson, ROOT, startTestMesh, type TestMesh, userMessage } from "./harness.js";

/** Kept for people to look at (git-ignored): the dashboard's screenshot. */
const ARTIFACTS = join(ROOT, "test", "artifacts");

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
  const response = await postJson(
    t.url("/v1/chat/completions"),
    { model, messages: userMessage(text) },
    { authorization: `Bearer ${key}`, "x-switchyard-cache": "bypass" },
  );
  await response.text();
  return response.headers.get("x-request-id")!;
}

describe("the request log", () => {
  it("logs every request, shown to admin keys by id and in filtered, paged lists", async () => {
    const ids = [
      await chat("mock-echo", "one"),
      await chat("mock-echo", "two"),
      await chat("mock-failover", "three"),
      await chat("mock-echo", "four", NARROW_KEY),
    ];
    for (const id of ids) await eventually(() => loggedRequest(t, id), `the log entry of ${id}`);

    const failover = (await loggedRequest(t, ids[2]!))!;
    assert.equal(failover.entry.model, "mock-failover");
    assert.equal(failover.entry.deployment_id, "mock/echo");
    assert.equal(failover.entry.key_name, "admin");
    assert.equal(failover.entry.team, "platform");
    assert.equal(failover.entry.outcome, "success");
    assert.equal(failover.entry.attempts, 2);
    assert.deepEqual(
      failover.event.attempts.map((a) => [a.deploymentId, a.status]),
      [
        ["mock-flaky", 503],
        ["mock/echo", 200],
      ],
      "the detail view has every attempt",
    );

    const byModel = await json("/admin/logs?model=mock-failover");
    assert.deepEqual(
      byModel.data.map((e: { request_id: string }) => e.request_id),
      [ids[2]],
    );
    const narrow = await json("/admin/logs?key=narrow");
    assert.deepEqual(
      narrow.data.map((e: { request_id: string }) => e.request_id),
      [ids[3]],
    );

    // Pages of one, newest first, until the cursor runs out.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(
        `/admin/logs?limit=1&deployment=mock%2Fecho&from=${Date.now() - 60_000}${cursor ? `&cursor=${cursor}` : ""}`,
      );
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
    await jetstream(t.nats).publish(
      "switchyard.usage.success",
      JSON.stringify({ ...((await loggedRequest(t, id))!.entry.usage_event as object) }),
      { headers: again },
    );
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
    assert.ok(
      own.data.every((e: { key_name: string }) => e.key_name === "narrow"),
      "the key filter is always the caller's own",
    );
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

/** Every metric name the mesh's processes export, histogram and summary series included. */
async function exportedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const proc of t.mesh.processes) {
    const text = await (await fetch(`${proc.opsUrl}/metrics`)).text();
    for (const [, name, kind] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      names.add(name!);
      if (kind === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
      if (kind === "summary") for (const suffix of ["_sum", "_count"]) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

/** The value of the first sample of `name` whose labels include `labels`. */
function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const [, sampleName, labelText, value] of text.matchAll(/^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/gm)) {
    if (sampleName !== name) continue;
    const have = Object.fromEntries([...(labelText ?? "").matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(value);
  }
  return undefined;
}

async function ingressMetrics(): Promise<string> {
  return (await fetch(`${t.mesh.processes.find((p) => p.name === "ingress")!.opsUrl}/metrics`)).text();
}

describe("npm run events", () => {
  it("prints each usage event as a readable line, filtered", async () => {
    const tail = spawn(
      process.execPath,
      [join(ROOT, "services", "logger", "dist", "events-cli.js"), "--server", t.infra.natsUrl, "--model", "mock-failover"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      let output = "";
      tail.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      // It says so on stderr once the server has its subscription.
      await new Promise<void>((resolve, reject) => {
        tail.stderr.once("data", () => resolve());
        tail.once("exit", (code) => reject(new Error(`events-cli exited with ${code}`)));
      });
      const skipped = await chat("mock-echo", "not this model");
      const shown = await chat("mock-failover", "tail me");
      const line = await eventually(async () => output.split("\n").find((l) => l.includes(shown)), "the event's line");
      assert.match(
        line,
        /success +200 +mock-failover → mock\/echo +key=admin team=platform +tokens=\d+\/\d+ .*attempts=mock-flaky:503,mock\/echo:200/,
      );
      assert.ok(!output.includes(skipped), "other models' events are filtered out");
    } finally {
      tail.kill("SIGINT");
    }
  });
});

describe("metrics and log lines", () => {
  it("counts requests, tokens, cost, cache results, failovers and attempts", async () => {
    const cached = { model: "mock-echo", messages: userMessage(`cache me ${Date.now()}`) };
    await (await postJson(t.url("/v1/chat/completions"), cached)).text();
    const hit = await postJson(t.url("/v1/chat/completions"), cached);
    await hit.text();
    assert.equal(hit.headers.get("x-switchyard-cache"), "hit");
    await chat("mock-failover", "fail over");
    const streamed = await postJson(t.url("/v1/chat/completions"), {
      model: "mock-echo",
      stream: true,
      messages: userMessage("stream these words"),
    });
    await streamed.text();
    const refused = await postJson(
      t.url("/v1/chat/completions"),
      { model: "mock-echo", messages: userMessage("x") },
      { authorization: "Bearer sk-nobody-9999" },
    );
    await refused.text();

    const text = await eventually(async () => {
      const body = await ingressMetrics();
      return sampleValue(body, "switchyard_request_errors_total", { outcome: "rejected", code: "invalid_api_key" }) ? body : undefined;
    }, "the refusal to be counted");
    const positive = (name: string, labels: Record<string, string>) =>
      assert.ok((sampleValue(text, name, labels) ?? 0) > 0, `${name} ${JSON.stringify(labels)} counted something`);
    positive("switchyard_requests_total", {
      route: "/v1/chat/completions",
      model: "mock-echo",
      deployment: "mock/echo",
      outcome: "success",
    });
    positive("switchyard_requests_total", { model: "mock-echo", deployment: "", outcome: "cache_hit" });
    positive("switchyard_tokens_total", { model: "mock-echo", key: "admin", direction: "input" });
    positive("switchyard_cost_usd_total", { model: "mock-echo", key: "admin" });
    positive("switchyard_cache_requests_total", { result: "hit" });
    positive("switchyard_failovers_total", { model: "mock-failover" });
    positive("switchyard_upstream_duration_seconds_count", { deployment: "mock-flaky", status: "503" });
    positive("switchyard_ttft_seconds_count", { model: "mock-echo", deployment: "mock/echo" });
    positive("switchyard_grpc_client_duration_seconds_count", { method: "/switchyard.v1.PolicyService/Authorize", code: "0" });
    assert.notEqual(sampleValue(text, "switchyard_usage_events_pending", {}), undefined);

    const policy = t.mesh.processes.find((p) => p.name === "policy")!;
    const policyText = await (await fetch(`${policy.opsUrl}/metrics`)).text();
    assert.ok(
      (sampleValue(policyText, "switchyard_grpc_server_duration_seconds_count", {
        method: "/switchyard.v1.PolicyService/Authorize",
        code: "0",
      }) ?? 0) > 0,
    );
    const logger = t.mesh.processes.find((p) => p.name === "logger")!;
    const loggerText = await (await fetch(`${logger.opsUrl}/metrics`)).text();
    assert.notEqual(sampleValue(loggerText, "switchyard_usage_consumer_pending_events", { durable: "logger" }), undefined);
    assert.ok((sampleValue(loggerText, "switchyard_request_log_insert_seconds_count", { database: "postgres" }) ?? 0) > 0);
  });

  it("writes one log line per request at info, with request_id as in every service", async () => {
    const id = await chat("mock-echo", "log me");
    const line = await eventually(async () => {
      const lines = t.mesh
        .recentLogs("ingress")
        .split("\n")
        .map((l) => l.replace(/^\[ingress\] /, ""));
      const found = lines
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.request_id === id);
      return found.length > 0 ? found : undefined;
    }, "the request's log line");
    assert.equal(line.length, 1, "one line per request");
    assert.equal(line[0]!.msg, "request");
    assert.equal(line[0]!.key_name, "admin");
    assert.equal(line[0]!.model, "mock-echo");
    assert.equal(line[0]!.deployment, "mock/echo");
    assert.equal(line[0]!.status, 200);
    assert.equal(typeof line[0]!.latency_ms, "number");

    const modelsResponse = await get("/v1/models");
    const modelsId = modelsResponse.headers.get("x-request-id");
    await modelsResponse.text();
    await eventually(
      async () => (t.mesh.recentLogs("ingress").includes(`"request_id":"${modelsId}"`) ? true : undefined),
      "a line for a request without a usage event",
    );
  });

  it("ships a Grafana dashboard whose every query names a metric the services export", async () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, "deploy", "observability", "grafana-dashboard.json"), "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exported = await exportedMetricNames();
    assert.ok(dashboard.panels.length >= 10);
    for (const panel of dashboard.panels) {
      assert.ok(panel.targets.length > 0, `${panel.title} has a query`);
      for (const { expr } of panel.targets) {
        const names = [...expr.matchAll(/\bswitchyard_[a-z0-9_]+/g)].map((m) => m[0]);
        assert.ok(names.length > 0, `${panel.title}: ${expr} names a Switchyard metric`);
        for (const name of names) assert.ok(exported.has(name), `${panel.title}: ${name} is not exported by any service`);
      }
    }
    const scrape = readFileSync(join(ROOT, "deploy", "observability", "prometheus.yml"), "utf8");
    for (const service of ["ingress:8080", "policy:9001", "cache:9002", "router:9003", "budget:9004", "logger:9005", "connector-mock"]) {
      assert.ok(scrape.includes(service), `prometheus.yml scrapes ${service}`);
    }
  });
});

describe("the dashboard at /ui", () => {
  it("signs in with an admin key and shows a request made a moment before, with its attempts", async () => {
    const id = await chat("mock-failover", "show me on the dashboard");
    const narrowId = await chat("mock-echo", "narrow's request", NARROW_KEY);
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(t.url("/ui"));
      await page.fill("#api-key", ADMIN_KEY);
      await page.click("#sign-in button[type=submit]");
      await page.waitForSelector("#who:not([hidden])");
      assert.match((await page.textContent("#who")) ?? "", /admin .* admin/);

      // The stream polls the log; the request shows up once the logger has stored it.
      const row = page.locator(`#stream tbody tr[data-request-id="${id}"]`);
      await row.waitFor({ timeout: 30_000 });
      assert.match((await row.textContent()) ?? "", /mock-failover/);
      await row.click();
      await page.locator("#request-id", { hasText: id }).waitFor();
      assert.match((await page.textContent("#request-facts")) ?? "", /answered bymock\/echo/);
      assert.ok(Number(await page.textContent("#tile-requests")) > 0, "the totals count requests");
      for (const canvas of ["chart-spend", "chart-outcomes", "chart-deployments", "chart-cache", "chart-attempts"]) {
        assert.ok(
          await page.evaluate(
            (id) => Boolean((globalThis as unknown as { Chart: { getChart(id: string): unknown } }).Chart.getChart(id)),
            canvas,
          ),
          `${canvas} is drawn`,
        );
      }
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });

      // A user key sees its own requests only.
      await page.click("#sign-out");
      await page.fill("#api-key", NARROW_KEY);
      await page.click("#sign-in button[type=submit]");
      await page.locator(`#stream tbody tr[data-request-id="${narrowId}"]`).waitFor({ timeout: 30_000 });
      assert.equal(await page.locator(`#stream tbody tr[data-request-id="${id}"]`).count(), 0, "another key's request is not shown");
      assert.deepEqual(errors, [], "no script errors");
    } finally {
      await browser.close();
    }
  });
});
