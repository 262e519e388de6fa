// `npm run chaos`: steady open-loop load on the real mesh (loopback, private NATS and Redis) while
// each service in turn is killed and comes back: a connector replica, router, policy, cache, budget
// and logger (SIGKILL, restarted by the launcher's supervisor), then NATS and Redis (stopped and
// started again). Reports failed requests per outage, usage events published against requests,
// and spend recorded by the budget service against what the gateway priced, as JSON and Markdown
// under bench/results/runs/.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Mesh, type SupervisionEvent, startIsolatedInfra, startMesh } from "@switchyard/mesh";
import { Redis } from "ioredis";
import { LoadGen } from "./helpers.js";
import type { RunResult, Window } from "./loadgen-protocol.js";
import { UsageCounter } from "./usage-events.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const RUNS_DIR = resolve(HERE, "..", "results", "runs");
const KEY = "sk-chaos-0001";
const PREFIX = "chaos:";

const TARGETS = ["connector replica", "router", "policy", "cache", "budget", "logger", "nats", "redis"] as const;
type Target = (typeof TARGETS)[number];

const CONFIG = `# Written by npm run chaos: one priced mock model, one key.
providers:
  mock: { kind: mock }
models:
  chaos-echo:
    deployments:
      - { provider: mock, model: echo, price: { input: 1, output: 2 } }
keys:
  - { name: chaos, key: ${KEY}, role: admin }
`;

interface Outage {
  target: Target;
  /** Seconds from the start of the load. */
  atS: number;
  /** From the kill until the supervisor reported it ready again (or the server was started again). */
  backAfterMs: number | null;
  requests: number;
  /** Answers outside 2xx plus requests with no answer, in the phase this outage opened. */
  failed: number;
}

export interface ChaosResult {
  startedAt: string;
  commit?: string;
  settings: { rate: number; phaseS: number; outageS: number; warmS: number; connectorReplicas: number };
  requests: { sent: number; ok: number; failed: number; statuses: Record<string, number>; errors: string[] };
  outages: Outage[];
  events: { published: number; requests: number };
  spend: { pricedUsd: number; recordedUsd: number; recordedRequests: number };
  logged: number;
  supervision: SupervisionEvent[];
}

const log = (line: string) => console.log(`[chaos] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: "string", default: "50" },
      "phase-s": { type: "string", default: "6" },
      "outage-s": { type: "string", default: "2" },
      "warm-s": { type: "string", default: "3" },
      /** Comma-separated subset of the targets, in their usual order. */
      targets: { type: "string", default: TARGETS.join(",") },
      "log-level": { type: "string", default: "warn" },
    },
  });
  const targets = values.targets.split(",").map((t) => t.trim());
  const unknown = targets.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown.length > 0) throw new Error(`unknown target ${unknown.join(", ")}; known: ${TARGETS.join(", ")}`);
  const chosen = TARGETS.filter((t) => targets.includes(t));
  const settings = {
    rate: Number(values.rate),
    phaseS: Number(values["phase-s"]),
    outageS: Number(values["outage-s"]),
    warmS: Number(values["warm-s"]),
    connectorReplicas: 2,
  };
  for (const [name, value] of Object.entries(settings)) {
    if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
  }

  const work = mkdtempSync(join(tmpdir(), "switchyard-chaos-"));
  const configPath = join(work, "chaos.yaml");
  writeFileSync(configPath, CONFIG);
  log("starting private nats-server and redis-server…");
  // Redis keeps its data across its outage, as a production Redis with persistence would.
  const infra = await startIsolatedInfra({ persistentRedis: true });
  const supervision: SupervisionEvent[] = [];
  const back = new Map<string, () => void>();
  let mesh: Mesh | undefined;
  let loadgen: LoadGen | undefined;
  let counter: UsageCounter | undefined;
  const redis = new Redis(infra.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  try {
    mesh = await startMesh({
      configPath,
      natsUrl: infra.natsUrl,
      redisUrl: infra.redisUrl,
      ports: "ephemeral",
      logs: { dir: join(work, "logs") },
      connectors: [{ provider: "mock", replicas: settings.connectorReplicas }],
      redisPrefix: PREFIX,
      logLevel: values["log-level"],
      onSupervision: (event) => {
        supervision.push(event);
        if (event.kind === "restarted") back.get(event.name)?.();
        if (event.kind === "gave-up") log(`✖ gave up on ${event.name}: ${event.reason}`);
      },
    });
    log(`mesh ready at ${mesh.baseUrl}; logs in ${join(work, "logs")}`);
    counter = await UsageCounter.connect(infra.natsUrl);
    loadgen = await LoadGen.start();
    const eventsBefore = await counter.count();

    const durationS = settings.warmS + chosen.length * settings.phaseS + settings.warmS;
    log(`${settings.rate} req/s for ${durationS} s; a service killed every ${settings.phaseS} s`);
    const windows: Window[] = [];
    const started = performance.now();
    const loadStartedAt = new Date().toISOString();
    const load: Promise<RunResult> = loadgen.run(
      {
        label: "chaos",
        origin: mesh.baseUrl,
        mode: "open",
        rate: settings.rate,
        durationS,
        windowS: 1,
        timeoutMs: 30_000,
        authKeys: [KEY],
        requests: [
          {
            path: "/v1/chat/completions",
            headers: {},
            body: JSON.stringify({ model: "chaos-echo", messages: [{ role: "user", content: "chaos __NONCE__ steady load" }] }),
            unique: true,
          },
        ],
      },
      { onWindow: (window) => windows.push(window) },
    );

    const outages: Omit<Outage, "requests" | "failed">[] = [];
    const activeMesh = mesh;
    for (const [i, target] of chosen.entries()) {
      const atS = settings.warmS + i * settings.phaseS;
      await sleep(Math.max(0, started + atS * 1000 - performance.now()));
      const killedAt = performance.now();
      let backAfterMs: number | null = null;
      if (target === "nats" || target === "redis") {
        const server = target === "nats" ? infra.nats! : infra.redis!;
        await server.pause();
        await sleep(settings.outageS * 1000);
        await server.resume();
        backAfterMs = Math.round(performance.now() - killedAt);
      } else {
        const name = target === "connector replica" ? activeMesh.processes.find((p) => p.service === "connector")!.name : target;
        const ready = new Promise<void>((resolve) => back.set(name, resolve));
        activeMesh.kill(name);
        const timeout = sleep(settings.phaseS * 1000).then(() => "timeout");
        if ((await Promise.race([ready.then(() => "back"), timeout])) === "back") backAfterMs = Math.round(performance.now() - killedAt);
        back.delete(name);
      }
      log(`${target}: killed at ${atS} s, back after ${backAfterMs ?? "—"} ms`);
      outages.push({ target, atS, backAfterMs });
    }
    const run = await load;
    log(`load done: ${run.sent} sent, ${run.ok} ok; waiting for events and spend to settle…`);

    const published = (await counter.settle(eventsBefore + run.sent, 30_000, 5_000)) - eventsBefore;
    await counter.drained(30_000);
    await redis.connect();
    const spendKey = `${PREFIX}spend:key:chaos:total`;
    const recorded = await settleSpend(redis, spendKey, run.ok);
    // The request log's own count (the logger's query API on its ops port), once it has caught up.
    const loggerOps = mesh.processes.find((p) => p.name === "logger")!.opsUrl;
    const countLogged = async () => {
      const answer = (await (await fetch(`${loggerOps}/logs/stats?from=${loadStartedAt}&bucket=86400`)).json()) as {
        data?: { requests: number }[];
      };
      return (answer.data ?? []).reduce((sum, row) => sum + row.requests, 0);
    };
    let logged = 0;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(500)) {
      logged = await countLogged().catch(() => logged);
      if (logged >= run.sent) break;
    }

    const result: ChaosResult = {
      startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
      settings,
      requests: { sent: run.sent, ok: run.ok, failed: run.sent - run.ok, statuses: run.statuses, errors: run.errors },
      outages: outages.map((o, i) => {
        const end = i + 1 < outages.length ? outages[i + 1]!.atS : Number.POSITIVE_INFINITY;
        // Window i covers the second that ends at tS: it belongs to the phase it ended in.
        const inPhase = windows.filter((w) => w.tS > o.atS && w.tS <= end);
        return {
          ...o,
          requests: inPhase.reduce((sum, w) => sum + w.responses + w.failures, 0),
          failed: inPhase.reduce((sum, w) => sum + w.failures + (w.errorStatuses ?? 0), 0),
        };
      }),
      events: { published, requests: run.sent },
      spend: { pricedUsd: round(run.costUsd ?? 0), recordedUsd: round(recorded.costUsd), recordedRequests: recorded.requests },
      logged,
      supervision,
    };
    try {
      const { execFileSync } = await import("node:child_process");
      result.commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    } catch {
      // not a git checkout
    }
    mkdirSync(RUNS_DIR, { recursive: true });
    const stamp = result.startedAt.replace(/[:.]/g, "-").replace(/Z$/, "");
    const base = join(RUNS_DIR, `chaos-${stamp}`);
    writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
    const markdown = renderMarkdown(result);
    writeFileSync(`${base}.md`, markdown);
    console.log(`\n${markdown}`);
    log(`written to ${base}.json and .md`);
  } finally {
    await loadgen?.stop().catch(() => undefined);
    await counter?.close().catch(() => undefined);
    redis.disconnect();
    await mesh?.stop().catch(() => undefined);
    await infra.stop();
  }
}

/** The budget's total for the key once it stops changing (it counts events as its consumer gets them). */
async function settleSpend(redis: Redis, key: string, expected: number): Promise<{ costUsd: number; requests: number }> {
  let last = { costUsd: 0, requests: -1 };
  for (let quiet = 0; quiet < 20; ) {
    const fields = await redis.hgetall(key);
    const now = { costUsd: Number(fields.cost_usd ?? 0), requests: Number(fields.requests ?? 0) };
    if (now.requests >= expected) return now;
    quiet = now.requests === last.requests ? quiet + 1 : 0;
    last = now;
    await sleep(250);
  }
  return last;
}

const round = (usd: number) => Math.round(usd * 1e9) / 1e9;

export function renderMarkdown(r: ChaosResult): string {
  const lines = [
    `## Chaos run ${r.startedAt}${r.commit ? ` (${r.commit})` : ""}`,
    "",
    `${r.settings.rate} req/s open loop on loopback for ${r.settings.warmS * 2 + r.outages.length * r.settings.phaseS} s, ${r.settings.connectorReplicas} mock connector replicas; ` +
      `one outage every ${r.settings.phaseS} s (services SIGKILLed and restarted by the launcher, NATS and Redis stopped for ${r.settings.outageS} s).`,
    "",
    "| killed | at (s) | back after (ms) | requests in its phase | failed |",
    "|---|---:|---:|---:|---:|",
    ...r.outages.map((o) => `| ${o.target} | ${o.atS} | ${o.backAfterMs ?? "not back"} | ${o.requests} | ${o.failed} |`),
    "",
    "| | value |",
    "|---|---:|",
    `| requests sent | ${r.requests.sent} |`,
    `| answered 2xx | ${r.requests.ok} |`,
    `| failed (non-2xx or no answer) | ${r.requests.failed} |`,
    `| usage events published | ${r.events.published} |`,
    `| spend priced (sum of x-switchyard-cost) | $${r.spend.pricedUsd} |`,
    `| spend recorded by budget | $${r.spend.recordedUsd} (${r.spend.recordedRequests} requests) |`,
    `| requests in the request log | ${r.logged} |`,
  ];
  if (r.requests.errors.length > 0) lines.push("", "First errors:", "", ...r.requests.errors.map((e) => `- \`${e.replace(/`/g, "'")}\``));
  return `${lines.join("\n")}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
