// `npm run bench`: measures what the gateway costs over a zero-latency upstream, on this machine.
// See bench/README.md for the method and how to read the results.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, type Infra, MESH_SERVICES, type Mesh, REPO_ROOT, startIsolatedInfra, startMesh } from "@switchyard/mesh";
import { ADMIN_KEY, BENCH_PROVIDER, type GeneratedConfig, MODEL, POLICY_KEY, writeConfig } from "./config-gen.js";
import { type InspectTarget, liveMemory, streamCostBytes } from "./heap.js";
import { LoadGen, Upstream } from "./helpers.js";
import type { Job, RequestSpec, RunResult } from "./loadgen-protocol.js";
import { childrenNamed, cpuDelta, cpuSnapshot, hwmNow, machineBusySeconds, RssSampler, rssNow, type Tracked } from "./proc.js";
import { summarizeProfile } from "./profile.js";
import { measureProtocolFloor } from "./protocol-floor.js";
import { updateReadmeFigures } from "./readme-figures.js";
import { canPin, measureChain } from "./relay-chain.js";
import { floorAdded, renderMarkdown } from "./report.js";
import { readSettings, type Settings } from "./settings.js";
import { MIN_SOAK_S, soakVerdicts, soakVerdictText } from "./soak.js";
import { mean } from "./stats.js";
import type {
  BenchResult,
  ConsumersPausedResult,
  EventCheck,
  ImagesResult,
  LiveReading,
  Measured,
  Overhead,
  PathResult,
  ProfileResult,
  ScalingResult,
  SoakSample,
  StreamsResult,
  TokenRelayResult,
} from "./types.js";
import { UsageCounter } from "./usage-events.js";
import { describeIdlePolicy, idlePolicyFrom, measureWakeups } from "./wakeups.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH_DIR = resolve(HERE, "..");
const RESULTS_DIR = join(BENCH_DIR, "results");
/** Every run's own files; git-ignored. Only `latest.*` in RESULTS_DIR is committed, and the README's figures come from it. */
const RUNS_DIR = join(RESULTS_DIR, "runs");
const CHAT = "/v1/chat/completions";
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} › ${message}\n`);

// --- request bodies ------------------------------------------------------------------------------

function chatBody(
  model: string,
  options: { stream?: boolean; nonce?: boolean; holdMs?: number; chunks?: number; chunkGapMs?: number } = {},
): string {
  return JSON.stringify({
    model,
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: `Say hello in five words. ${options.nonce ? "__NONCE__" : "(bench)"}` },
    ],
    max_tokens: 32,
    temperature: 0,
    ...(options.stream ? { stream: true } : {}),
    // A vendor field the gateway passes through untouched; the fake upstream holds the answer this long.
    ...(options.holdMs ? { bench_hold_ms: options.holdMs } : {}),
    // Streams paced like tokens (the token relay): this many content chunks, this far apart.
    ...(options.chunks ? { bench_chunks: options.chunks, bench_chunk_gap_ms: options.chunkGapMs ?? 0 } : {}),
  });
}

function imageBody(model: string, imageBytes: number, options: { nonce?: boolean } = {}): string {
  // `imageBytes` of base64 text: a 1 MB image field, as a client sends a screenshot.
  const b64 = randomBytes(Math.ceil((imageBytes * 3) / 4))
    .toString("base64")
    .slice(0, imageBytes);
  return JSON.stringify({
    model,
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: `What is in this image?${options.nonce ? " __NONCE__" : ""}` },
          { type: "image_url", image_url: { url: `data:image/png;base64,${b64}` } },
        ],
      },
    ],
    max_tokens: 32,
  });
}

/** A 1 KB prompt of plain prose (no personal data in it): what the policy path scans. */
const KB_PROMPT = "Please summarise the quarterly report for the planning meeting on Tuesday. ".repeat(14).slice(0, 1024);
const kbBody = (model: string) =>
  JSON.stringify({ model, messages: [{ role: "user", content: KB_PROMPT }], max_tokens: 32, temperature: 0 });

const gatewayHeaders = (bypass: boolean): Record<string, string> => ({
  authorization: `Bearer ${ADMIN_KEY}`,
  ...(bypass ? { "x-switchyard-cache": "bypass" } : {}),
});

interface PathDef {
  name: string;
  description: string;
  target: "gateway" | "upstream";
  stream: boolean;
  baseline?: string;
  request: RequestSpec;
  /** Send once before measuring, so the answer is in the cache. */
  prime?: boolean;
}

function pathDefs(): PathDef[] {
  return [
    {
      name: "baseline",
      description: "the upstream directly, no gateway",
      target: "upstream",
      stream: false,
      request: { path: CHAT, headers: {}, body: chatBody("bench-upstream") },
    },
    {
      name: "full",
      description:
        "gateway, a new body every request: key check, a cache lookup that misses, routing, connector, upstream, usage event (and the cache store after the answer)",
      target: "gateway",
      stream: false,
      baseline: "baseline",
      request: { path: CHAT, headers: storingHeaders(), body: chatBody(MODEL, { nonce: true }), unique: true },
    },
    {
      name: "bypass",
      description: "gateway, `x-switchyard-cache: bypass`: the full path without the cache lookup and store",
      target: "gateway",
      stream: false,
      baseline: "baseline",
      request: { path: CHAT, headers: gatewayHeaders(true), body: chatBody(MODEL) },
    },
    {
      name: "hit",
      description: "gateway, the same body every request: key check, routing and a cache hit (no connector)",
      target: "gateway",
      stream: false,
      baseline: "baseline",
      prime: true,
      request: { path: CHAT, headers: gatewayHeaders(false), body: chatBody(MODEL) },
    },
    {
      name: "bypass-1k",
      description: "gateway, cache bypass, a 1 KB prompt, a key without limits, budget or guardrails",
      target: "gateway",
      stream: false,
      baseline: "baseline",
      request: { path: CHAT, headers: gatewayHeaders(true), body: kbBody(MODEL) },
    },
    {
      name: "policy-1k",
      description: "as bypass-1k, from a key with rpm and tpm limits, a budget and PII redaction: what enforcing them adds",
      target: "gateway",
      stream: false,
      baseline: "bypass-1k",
      request: { path: CHAT, headers: { authorization: `Bearer ${POLICY_KEY}`, "x-switchyard-cache": "bypass" }, body: kbBody(MODEL) },
    },
    {
      name: "stream-baseline",
      description: "the upstream directly, `stream: true`",
      target: "upstream",
      stream: true,
      request: { path: CHAT, headers: {}, body: chatBody("bench-upstream", { stream: true }), stream: true },
    },
    {
      name: "stream",
      description: "gateway, `stream: true`, cache bypass: SSE relayed chunk by chunk",
      target: "gateway",
      stream: true,
      baseline: "stream-baseline",
      request: { path: CHAT, headers: gatewayHeaders(true), body: chatBody(MODEL, { stream: true }), stream: true },
    },
  ];
}

// --- the bench -----------------------------------------------------------------------------------

class Bench {
  readonly result: BenchResult;
  infra!: Infra;
  upstream!: Upstream;
  loadgen!: LoadGen;
  counter!: UsageCounter;
  helpers: Tracked[] = [];
  mesh: Mesh | undefined;
  meshTracked: Tracked[] = [];
  /** The running mesh's inspector ports by service (`--inspect-port`; off until live memory is read). */
  inspectPorts: Record<string, number> = {};
  /** Requests sent to the current mesh's gateway, and the usage stream's size when it started. */
  gatewaySent = 0;
  gatewayResponses = 0;
  /** RSS of the mesh's services a second after it was ready. */
  startRss: Record<string, number> = {};
  eventsAtStart = 0;
  readonly sampler = new RssSampler(() => this.tracked());
  /** Cores used by processes outside the bench during each measured run. */
  readonly otherLoad: number[] = [];
  readonly workDir = mkdtempSync(join(tmpdir(), "switchyard-bench-"));
  readonly started = Date.now();
  readonly stamp = new Date().toISOString().replace(/[:.]/g, "-").replace(/Z$/, "");

  constructor(readonly settings: Settings) {
    this.result = {
      meta: {
        startedAt: new Date().toISOString(),
        finishedAt: "",
        durationS: 0,
        quick: settings.quick,
        settings,
        machine: {
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model ?? "unknown",
          memoryGB: Math.round(totalmem() / 1024 ** 3),
          node: process.version,
          kernel: release(),
        },
        notes: [],
        calibration: calibrate(),
        otherLoad: { meanCores: 0, maxCores: 0 },
        builds: [],
      },
      mainConfig: { keys: settings.keysSmall, deployments: settings.deploymentsSmall, startupS: 0 },
      chosen: {},
      idleCpuMsPerS: {},
      paths: {},
      overhead: {},
      usageEvents: { saturation: {} },
      peakRss: {},
      phasePeakRss: this.sampler.peaks,
      scaling: [],
      targets: [],
    };
    try {
      this.result.meta.commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
        cwd: BENCH_DIR,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    } catch {
      // not a git checkout
    }
  }

  /** The mesh's processes that have an inspector port, for reading live memory; `which` narrows them by process name. */
  inspectTargets(which: (name: string) => boolean = () => true): InspectTarget[] {
    if (!this.mesh) throw new Error("no mesh is running");
    return this.mesh.processes.flatMap((p) => {
      const inspectPort = this.inspectPorts[p.service];
      return which(p.name) && inspectPort !== undefined && p.child.pid !== undefined
        ? [{ name: p.name, pid: p.child.pid, inspectPort }]
        : [];
    });
  }

  tracked(): Tracked[] {
    return [...this.meshTracked, ...this.helpers];
  }

  get gateway(): string {
    if (!this.mesh) throw new Error("no mesh is running");
    return this.mesh.baseUrl;
  }

  async setUp(): Promise<void> {
    // Before anything else runs: how late this machine wakes a sleeper, and what process hops alone cost.
    const wakeups = measureWakeups();
    this.result.meta.wakeups = wakeups;
    this.result.meta.idlePolicy = idlePolicyFrom(readIfPresent);
    const idle = describeIdlePolicy(this.result.meta.idlePolicy);
    if (idle) log(idle);
    log(
      `wake-ups at idle: ${wakeups.sleeps} sleeps of ${wakeups.sleepMs} ms woke late by p50 ${fmt(wakeups.p50)} / p99.9 ${fmt(wakeups.p999)} / max ${fmt(wakeups.max)} ms; ${percent(wakeups.over1msShare)} more than 1 ms late`,
    );
    const direct = await measureChain(0, HOP_FLOOR_REQUESTS);
    const twoRelays = await measureChain(2, HOP_FLOOR_REQUESTS);
    this.result.meta.hopFloor = { direct: direct.latency, twoRelays: twoRelays.latency };
    log(
      `process hops alone (trivial Node relays, one at a time): direct p50 ${fmt(direct.latency.p50)} / p99 ${fmt(direct.latency.p99)} ms, through 2 relays p50 ${fmt(twoRelays.latency.p50)} / p99 ${fmt(twoRelays.latency.p99)} ms`,
    );
    if (canPin()) {
      const oneCore = await measureChain(0, HOP_FLOOR_REQUESTS, "one-core");
      const twoCores = await measureChain(0, HOP_FLOOR_REQUESTS, "alternate");
      this.result.meta.hopFloor.pinned = { oneCore: oneCore.latency, twoCores: twoCores.latency };
      log(
        `  client → echo pinned: both on one core p50 ${fmt(oneCore.latency.p50)} / p99 ${fmt(oneCore.latency.p99)} ms, each on its own core p50 ${fmt(twoCores.latency.p50)} / p99 ${fmt(twoCores.latency.p99)} ms`,
      );
    }
    log("starting nats-server and redis-server (private, loopback)…");
    this.infra = await startIsolatedInfra();
    this.upstream = await Upstream.start();
    const floor = await measureProtocolFloor(this.upstream, chatBody("bench-upstream"), HOP_FLOOR_REQUESTS);
    this.result.meta.protocolFloor = floor;
    const [single, mesh] = [floorAdded(floor, "single"), floorAdded(floor, "mesh")];
    log(
      `the full path's processes and protocols with trivial handlers, one at a time: upstream alone p50 ${fmt(floor.upstream.p50)} ms, ` +
        `one relay process +${fmt(single.p50)} / p99 +${fmt(single.p99)} ms, ingress and connector shapes over the gateway's gRPC mux +${fmt(mesh.p50)} / p99 +${fmt(mesh.p99)} ms`,
    );
    this.loadgen = await LoadGen.start();
    this.counter = await UsageCounter.connect(this.infra.natsUrl);
    this.helpers = [
      ...childrenNamed(process.pid, ["nats-server", "redis-server"]).map((c) => ({ name: c.name, pid: c.pid, service: false })),
      { name: "upstream", pid: this.upstream.child.pid!, service: false },
      { name: "loadgen", pid: this.loadgen.child.pid!, service: false },
    ];
    this.sampler.start();
    log(`fake upstream on ${this.upstream.origin}; load generator pid ${this.loadgen.child.pid}`);
  }

  config(label: string, keys: number, deployments: number): GeneratedConfig {
    return writeConfig({
      path: join(this.workDir, `${label}.yaml`),
      upstreamPort: this.upstream.port,
      keyCount: keys,
      deploymentCount: deployments,
    });
  }

  /** Starts the mesh with one connector for the bench provider; returns the seconds it took. */
  async startMesh(label: string, config: GeneratedConfig, nodeArgs?: Record<string, string[]>): Promise<number> {
    const began = performance.now();
    this.sampler.setPhase(`start ${label}`);
    const fingerprint = buildFingerprint();
    const first = this.result.meta.builds[0];
    this.result.meta.builds.push({ mesh: label, ...fingerprint });
    if (first && first.fingerprint !== fingerprint.fingerprint) {
      const note = `the services' compiled code changed during the run (a build at ${fingerprint.newest}): mesh "${label}" runs different code from mesh "${first.mesh}"; compare their figures with care`;
      this.result.meta.notes.push(note);
      log(`  ! ${note}`);
    }
    this.eventsAtStart = await this.counter.count();
    this.gatewaySent = 0;
    this.gatewayResponses = 0;
    this.mesh = await startMesh({
      configPath: config.path,
      natsUrl: this.infra.natsUrl,
      redisUrl: this.infra.redisUrl,
      ports: "ephemeral",
      logs: { dir: join(this.workDir, "logs", label) },
      connectors: [{ provider: "up", replicas: 1 }],
      redisPrefix: `bench-${label}:`,
      // One load generator on one address opens every connection: lift the per-client cap.
      env: { SWITCHYARD_MAX_CONNECTIONS_PER_IP: "1000000" },
      readyTimeoutMs: 300_000,
      ...(nodeArgs ? { nodeArgs } : {}),
      onUnexpectedExit: (name, code) => log(`✖ ${name} exited unexpectedly (code ${code}); logs in ${join(this.workDir, "logs", label)}`),
    });
    this.meshTracked = this.mesh.processes.map((p) => ({ name: p.name, pid: p.child.pid!, service: true }));
    const seconds = (performance.now() - began) / 1000;
    await sleep(1_000);
    this.startRss = rssNow(this.meshTracked);
    await this.warmMesh();
    log(
      `mesh "${label}" ready in ${seconds.toFixed(1)} s (${config.keyCount} keys, ${config.deploymentCount} deployments) at ${this.mesh.baseUrl}`,
    );
    return seconds;
  }

  /** Mixed unmeasured traffic over every gateway path, so the first path measured meets optimised code like the last. */
  async warmMesh(): Promise<void> {
    const requests = pathDefs()
      .filter((def) => def.target === "gateway")
      .map((def) => def.request);
    await this.measure({
      origin: this.gateway,
      requests,
      label: "mesh warm-up",
      mode: "closed",
      concurrency: 8,
      durationS: this.settings.meshWarmupS,
    });
    await this.counter.settle(this.eventsAtStart + this.gatewaySent, 15_000, 2_000);
    await this.counter.drained();
  }

  /** CPU each process uses with no traffic (timers, metrics, heartbeats), in ms per second. */
  async idleCpu(): Promise<void> {
    const seconds = this.settings.quick ? 2 : 5;
    await sleep(1_000);
    const before = cpuSnapshot(this.tracked());
    await sleep(seconds * 1000);
    const delta = cpuDelta(before, cpuSnapshot(this.tracked()));
    this.result.idleCpuMsPerS = Object.fromEntries(
      Object.entries(delta).map(([name, cpu]) => [name, Math.round((cpu * 1000 * 10) / seconds) / 10]),
    );
  }

  /** Stops the mesh after its usage events are flushed; returns its event check. */
  async stopMesh(): Promise<EventCheck | undefined> {
    if (!this.mesh) return undefined;
    const mesh = this.mesh;
    this.mesh = undefined;
    await mesh.stop();
    this.meshTracked = [];
    this.inspectPorts = {};
    const events = (await this.counter.settle(this.eventsAtStart + this.gatewaySent, 10_000, 2_000)) - this.eventsAtStart;
    return { sent: this.gatewaySent, responses: this.gatewayResponses, events, lost: this.gatewaySent - events };
  }

  /** Runs a job and records the CPU each process spent on it. */
  async measure(job: Omit<Job, "id">, hooks?: Parameters<LoadGen["run"]>[1]): Promise<Measured> {
    const tracked = this.tracked();
    const before = cpuSnapshot(tracked);
    const upstreamBefore = await this.upstream.stats();
    const busyBefore = machineBusySeconds();
    const selfBefore = process.cpuUsage();
    const run = await this.loadgen.run(job, hooks);
    const after = cpuSnapshot(tracked);
    const busy = machineBusySeconds() - busyBefore;
    const self = process.cpuUsage(selfBefore);
    const upstreamAfter = await this.upstream.stats();
    const upstreamConnections = upstreamAfter.connections - upstreamBefore.connections;
    const upstreamRequests = upstreamAfter.requests - upstreamBefore.requests;
    if (this.mesh && job.origin === this.mesh.baseUrl) {
      this.gatewaySent += run.sent;
      this.gatewayResponses += run.responses;
    }
    const cpuS = cpuDelta(before, after);
    const cpuUsPerRequest: Record<string, number> = {};
    for (const [name, seconds] of Object.entries(cpuS)) cpuUsPerRequest[name] = run.responses > 0 ? (seconds * 1e6) / run.responses : 0;
    if (run.failures > 0 || Object.keys(run.statuses).some((s) => !s.startsWith("2"))) {
      log(`  ! ${job.label}: ${run.failures} failures, statuses ${JSON.stringify(run.statuses)} ${run.errors.slice(0, 2).join(" | ")}`);
    }
    // CPU the machine spent on anything but the bench's own processes: other people's work.
    const ours = Object.values(cpuS).reduce((a, b) => a + b, 0) + (self.user + self.system) / 1e6;
    const otherCores = run.elapsedS > 0 ? Math.max(0, busy - ours) / run.elapsedS : 0;
    // /proc/stat counts in 10 ms ticks: only runs of half a second or more say anything.
    if (run.elapsedS >= 0.5) this.otherLoad.push(otherCores);
    if (otherCores > 0.25 && run.elapsedS >= 0.5)
      log(`  ! ${job.label}: other processes used ${otherCores.toFixed(2)} cores during the run`);
    return { ...run, cpuS, cpuUsPerRequest, otherCores, upstreamConnections, upstreamRequests };
  }

  origin(target: "gateway" | "upstream"): string {
    return target === "gateway" ? this.gateway : this.upstream.origin;
  }

  // --- phases ------------------------------------------------------------------------------------

  async paths(): Promise<void> {
    const s = this.settings;
    for (const def of pathDefs()) {
      this.sampler.setPhase("latency");
      const origin = this.origin(def.target);
      const base = { origin, requests: [def.request] };
      log(`path ${def.name}: ${def.description}`);
      if (def.prime) {
        await this.measure({ ...base, label: `${def.name} prime`, mode: "serial", count: 1 });
        await sleep(300);
      }
      await this.measure({ ...base, label: `${def.name} warm-up`, mode: "closed", concurrency: 8, durationS: s.warmupS });
      if (def.target === "gateway") await this.counter.drained();
      const result: PathResult = { name: def.name, description: def.description, target: def.target, stream: def.stream, rates: {} };
      if (def.baseline) result.baseline = def.baseline;
      result.serial = await this.measure({ ...base, label: `${def.name} serial`, mode: "serial", count: s.serialCount });
      log(
        `  one at a time: p50 ${fmt(result.serial.latency.p50)} ms, p99 ${fmt(result.serial.latency.p99)} ms${result.serial.ttft ? `, TTFT p50 ${fmt(result.serial.ttft.p50)} ms` : ""}`,
      );
      if (def.name === "full" && s.consumerPausePairs > 0) this.result.consumersPaused = await this.consumersPaused(base);

      const eventsBefore = def.target === "gateway" ? await this.counter.settle(this.eventsAtStart + this.gatewaySent, 15_000, 2_000) : 0;
      this.sampler.setPhase("saturation");
      result.saturation = await this.measure({
        ...base,
        label: `${def.name} saturation`,
        mode: "closed",
        concurrency: s.saturationConcurrency,
        durationS: s.saturationS,
      });
      this.sampler.setPhase("latency");
      log(
        `  saturation (${s.saturationConcurrency} connections): ${result.saturation.achievedRps.toFixed(0)} req/s, p99 ${fmt(result.saturation.latency.p99)} ms`,
      );
      if (def.target === "gateway") {
        const after = await this.counter.settle(eventsBefore + result.saturation.sent, 20_000, 3_000);
        result.events = {
          sent: result.saturation.sent,
          responses: result.saturation.responses,
          events: after - eventsBefore,
          lost: result.saturation.sent - (after - eventsBefore),
        };
        this.result.usageEvents.saturation[def.name] = result.events;
        log(`  usage events: ${result.events.events} for ${result.events.sent} requests (${result.events.lost} missing)`);
        log(`  budget and logger worked off the backlog in ${((await this.counter.drained()) / 1000).toFixed(1)} s`);
      }
      for (const rate of s.rates) {
        if (rate > REACHABLE * result.saturation.achievedRps) {
          result.rates[rate] = { skipped: `not reachable (saturation ${result.saturation.achievedRps.toFixed(0)} req/s)` };
          continue;
        }
        const run = await this.measure({ ...base, label: `${def.name} ${rate}/s`, mode: "open", rate, durationS: s.runS });
        result.rates[rate] = run;
        log(
          `  ${rate}/s: p50 ${fmt(run.latency.p50)} ms, p99 ${fmt(run.latency.p99)} ms, p99.9 ${fmt(run.latency.p999)} ms${run.ttft ? `, TTFT p99 ${fmt(run.ttft.p99)} ms` : ""} (send lag p99 ${fmt(run.lag?.p99 ?? 0)} ms)`,
        );
      }
      this.result.paths[def.name] = result;
    }
    this.computeOverheads();
  }

  /**
   * The full path one at a time, with budget and logger running and paused (SIGSTOP), in
   * alternating pairs. Nothing the client waits for goes through them, yet their bursts (and what
   * they set off in nats-server and Redis) share the two cores with every request; the difference
   * is their cost to a request. Paused, they fall behind by one run's events, which JetStream keeps
   * and they work off before the next measurement.
   */
  async consumersPaused(base: Pick<Job, "origin" | "requests">): Promise<ConsumersPausedResult> {
    const consumers = this.meshTracked.filter((t) => t.name === "budget" || t.name === "logger");
    const pairs: ConsumersPausedResult["pairs"] = [];
    for (let pair = 1; pair <= this.settings.consumerPausePairs; pair++) {
      const running = await this.measure({
        ...base,
        label: `full serial, consumers running (${pair})`,
        mode: "serial",
        count: this.settings.serialCount,
      });
      for (const consumer of consumers) process.kill(consumer.pid, "SIGSTOP");
      let paused: Measured;
      try {
        paused = await this.measure({
          ...base,
          label: `full serial, consumers paused (${pair})`,
          mode: "serial",
          count: this.settings.serialCount,
        });
      } finally {
        for (const consumer of consumers) process.kill(consumer.pid, "SIGCONT");
      }
      await this.counter.drained();
      pairs.push({ running, paused });
      log(
        `  one at a time, budget and logger running / paused: p50 ${fmt(running.latency.p50)} / ${fmt(paused.latency.p50)} ms, p99 ${fmt(running.latency.p99)} / ${fmt(paused.latency.p99)} ms`,
      );
    }
    return { pairs };
  }

  computeOverheads(): void {
    for (const path of Object.values(this.result.paths)) {
      if (!path.baseline) continue;
      const base = this.result.paths[path.baseline];
      if (!base) continue;
      const entry: BenchResult["overhead"][string] = { vs: path.baseline, rates: {} };
      if (path.serial && base.serial) entry.serial = diff(path.serial.latency, base.serial.latency);
      if (path.stream && path.serial?.ttft && base.serial?.ttft) entry.ttftSerial = diff(path.serial.ttft, base.serial.ttft);
      for (const [rate, run] of Object.entries(path.rates)) {
        const baseRun = base.rates[rate];
        if (!isMeasured(run) || !baseRun || !isMeasured(baseRun)) continue;
        entry.rates[rate] = diff(run.latency, baseRun.latency);
        if (run.ttft && baseRun.ttft) (entry.ttftRates ??= {})[rate] = diff(run.ttft, baseRun.ttft);
      }
      this.result.overhead[path.name] = entry;
    }
  }

  async images(): Promise<void> {
    const s = this.settings;
    this.sampler.setPhase("images");
    log(`${(s.imageBytes / MB).toFixed(0)} MB base64 image requests`);
    const body = imageBody(MODEL, s.imageBytes);
    const direct = { origin: this.upstream.origin, requests: [{ path: CHAT, headers: {}, body }] };
    const gateway = { origin: this.gateway, requests: [{ path: CHAT, headers: gatewayHeaders(true), body }] };
    await this.measure({ ...gateway, label: "image warm-up", mode: "closed", concurrency: 2, count: 10 });
    const baselineSerial = await this.measure({ ...direct, label: "image baseline serial", mode: "serial", count: s.imageSerialCount });
    const gatewaySerial = await this.measure({ ...gateway, label: "image gateway serial", mode: "serial", count: s.imageSerialCount });
    // What a client gets by default: the cache on, so the ingress digests the image for the cache key (a miss, then a store).
    const cached = {
      origin: this.gateway,
      requests: [{ path: CHAT, headers: storingHeaders(), body: imageBody(MODEL, s.imageBytes, { nonce: true }), unique: true }],
    };
    const gatewayCacheOnSerial = await this.measure({
      ...cached,
      label: "image gateway cache on serial",
      mode: "serial",
      count: s.imageSerialCount,
    });
    // A rate the gateway can sustain: half of what one-at-a-time latency allows.
    const rate = Math.min(s.imageRate, niceRate(500 / Math.max(1, gatewaySerial.latency.p50)));
    this.result.chosen.imageRate = rate;
    const images: ImagesResult = {
      imageBytes: s.imageBytes,
      requestBytes: Buffer.byteLength(body),
      rate,
      baselineSerial,
      gatewaySerial,
      gatewayCacheOnSerial,
      baselineOpen: await this.measure({ ...direct, label: `image baseline ${rate}/s`, mode: "open", rate, durationS: s.imageRunS }),
      gatewayOpen: await this.measure({ ...gateway, label: `image gateway ${rate}/s`, mode: "open", rate, durationS: s.imageRunS }),
    };
    log(
      `  one at a time: upstream p50 ${fmt(images.baselineSerial.latency.p50)} ms, gateway p50 ${fmt(images.gatewaySerial.latency.p50)} ms, p99 ${fmt(images.gatewaySerial.latency.p99)} ms, cache on p50 ${fmt(gatewayCacheOnSerial.latency.p50)} ms`,
    );
    this.result.images = images;
  }

  /**
   * Streams whose chunks arrive one at a time, a few milliseconds apart, as a model's tokens do: the
   * path rows' streams arrive in one read and say nothing of what each further token costs.
   */
  async tokenRelay(): Promise<void> {
    const s = this.settings;
    this.sampler.setPhase("token-relay");
    const job = (origin: string, model: string, headers: Record<string, string>, label: string): Omit<Job, "id"> => ({
      origin,
      label,
      mode: "open",
      rate: s.tokenRate,
      durationS: s.tokenRunS,
      requests: [
        { path: CHAT, headers, body: chatBody(model, { stream: true, chunks: s.tokenChunks, chunkGapMs: s.tokenGapMs }), stream: true },
      ],
    });
    log(`token relay: ${s.tokenRate} streams/s of ${s.tokenChunks} chunks, one every ${s.tokenGapMs} ms`);
    await this.measure({ ...job(this.gateway, MODEL, gatewayHeaders(true), "token relay warm-up"), durationS: Math.min(2, s.tokenRunS) });
    const baseline = await this.measure(job(this.upstream.origin, "bench-upstream", {}, "token relay baseline"));
    const gateway = await this.measure(job(this.gateway, MODEL, gatewayHeaders(true), "token relay gateway"));
    await this.counter.drained();
    const result: TokenRelayResult = { chunks: s.tokenChunks, gapMs: s.tokenGapMs, rate: s.tokenRate, baseline, gateway };
    this.result.tokenRelay = result;
    const perChunk = (name: string) => fmt((gateway.cpuUsPerRequest[name] ?? 0) / s.tokenChunks);
    log(
      `  stream p50 ${fmt(baseline.latency.p50)} → ${fmt(gateway.latency.p50)} ms; CPU per chunk: ingress ${perChunk("ingress")} µs, connector ${perChunk(`connector-${BENCH_PROVIDER}`)} µs`,
    );
  }

  async streams(): Promise<void> {
    const s = this.settings;
    this.sampler.setPhase("open-streams");
    const streamSaturation = this.result.paths.stream?.saturation?.achievedRps;
    const rate = s.openStreamsRate ?? Math.min(500, streamSaturation ? niceRate(0.7 * streamSaturation) : 500);
    // Every stream stays open until the last one has opened and memory has been sampled.
    const holdMs = Math.ceil((s.openStreams / rate) * 1000) + s.streamHoldExtraMs;
    this.result.chosen.openStreamsRate = rate;
    this.result.chosen.streamHoldMs = holdMs;
    log(`${s.openStreams} concurrent open streams, opened at ${rate}/s (the upstream holds each ${(holdMs / 1000).toFixed(1)} s)`);
    const tracked = this.tracked();
    // Each side's live memory is read first: its forced full GC leaves the gateway processes' RSS
    // in the same state every time. RSS still moves with the allocator: a few samples are averaged.
    const heapTargets = this.inspectTargets(holdsStreams);
    const heapBefore = await liveMemory(heapTargets);
    const unread = heapTargets.filter((t) => heapBefore[t.name] === undefined).map((t) => t.name);
    if (unread.length > 0 || heapTargets.length === 0)
      log(`  ! live memory not read (no inspector answered): ${unread.join(", ") || "no gateway process has an inspector port"}`);
    const before = await rssMean(tracked, 5, 500);
    let during: Record<string, number> | undefined;
    let heapDuring: Record<string, number> = {};
    let holding: { open: number; failed: number; elapsedMs: number } | undefined;
    const run = await this.measure(
      {
        origin: this.gateway,
        label: "open streams",
        mode: "hold",
        count: s.openStreams,
        rate,
        requests: [{ path: CHAT, headers: gatewayHeaders(true), body: chatBody(MODEL, { stream: true, holdMs }), stream: true }],
        timeoutMs: holdMs + 60_000,
        openTimeoutMs: holdMs - 2_000,
      },
      {
        onHolding: async (info) => {
          holding = info;
          await sleep(1_000);
          heapDuring = await liveMemory(heapTargets);
          during = await rssMean(tracked, 4, 500);
        },
      },
    );
    if (!during || !holding) throw new Error("the open-streams run ended before memory was sampled");
    await sleep(2_000);
    const heapAfter = await liveMemory(heapTargets);
    const after = await rssMean(tracked, 4, 500);
    // The baseline is the lower of before and after: a GC between "before" and "during" otherwise
    // hides the streams' memory, and the figure can come out negative.
    const baseline = (name: string) => Math.min(before[name] ?? 0, after[name] ?? before[name] ?? 0);
    const byService: Record<string, number> = {};
    for (const name of Object.keys(during)) byService[name] = holding.open > 0 ? ((during[name] ?? 0) - baseline(name)) / holding.open : 0;
    const gatewayDelta = Object.entries(during)
      .filter(([name]) => holdsStreams(name))
      .reduce((sum, [name, rss]) => sum + rss - baseline(name), 0);
    const heapBaseline = (name: string) =>
      Math.min(heapBefore[name] ?? Number.POSITIVE_INFINITY, heapAfter[name] ?? Number.POSITIVE_INFINITY);
    const heapByService: Record<string, number> = {};
    for (const [name, bytes] of Object.entries(heapDuring)) {
      const base = heapBaseline(name);
      if (Number.isFinite(base) && holding.open > 0) heapByService[name] = (bytes - base) / holding.open;
    }
    const heapPerStream = Object.keys(heapByService).length ? Object.values(heapByService).reduce((a, b) => a + b, 0) : undefined;
    const streams: StreamsResult = {
      requested: s.openStreams,
      rate,
      holdMs,
      open: holding.open,
      failed: holding.failed,
      openedInMs: holding.elapsedMs,
      completed: run.ok,
      incomplete: run.incompleteStreams,
      rssBefore: before,
      rssDuring: during,
      rssAfter: after,
      bytesPerStream: holding.open > 0 ? gatewayDelta / holding.open : 0,
      bytesPerStreamByService: byService,
      heapBefore,
      heapDuring,
      heapAfter,
      heapBytesPerStream: heapPerStream,
      heapBytesPerStreamByService: heapByService,
      ttft: run.ttft,
      run,
    };
    const heapNote = heapPerStream === undefined ? "" : `, ${(heapPerStream / 1024).toFixed(1)} KB by live memory`;
    log(
      `  ${streams.open} open after ${(streams.openedInMs / 1000).toFixed(1)} s; ingress+connector ${(streams.bytesPerStream / 1024).toFixed(1)} KB RSS per stream${heapNote}; ${streams.completed} completed`,
    );
    this.result.streams = streams;
  }

  /**
   * The same measurement on a freshly started mesh of each config: warm-up, a short saturation
   * probe, one at a time, then a fixed rate (the setting, or half the first mesh's probe, at most
   * 500/s; every config uses the first config's rate).
   */
  async scaleRun(label: string, config: GeneratedConfig, startupS: number): Promise<ScalingResult> {
    const s = this.settings;
    this.sampler.setPhase(`scaling ${label}`);
    const rssAfterStart = this.startRss;
    const base = {
      origin: this.gateway,
      requests: [{ path: CHAT, headers: gatewayHeaders(true), body: chatBody(MODEL) }],
      authKeys: config.sampleKeys,
    };
    await this.measure({ ...base, label: `${label} warm-up`, mode: "closed", concurrency: 8, durationS: s.warmupS });
    const saturation = await this.measure({
      ...base,
      label: `${label} saturation`,
      mode: "closed",
      concurrency: s.saturationConcurrency,
      durationS: s.scaleSaturationS,
    });
    const rate = (this.result.chosen.scaleRate ??= s.scaleRate ?? Math.min(500, niceRate(0.5 * saturation.achievedRps)));
    const serial = await this.measure({ ...base, label: `${label} serial`, mode: "serial", count: s.scaleSerialCount });
    const open = await this.measure({ ...base, label: `${label} ${rate}/s`, mode: "open", rate, durationS: s.scaleRunS });
    log(
      `  ${label}: saturation ${saturation.achievedRps.toFixed(0)} req/s; one at a time p50 ${fmt(serial.latency.p50)} / p99 ${fmt(serial.latency.p99)} ms; ${rate}/s p50 ${fmt(open.latency.p50)} / p99 ${fmt(open.latency.p99)} ms`,
    );
    return { label, keys: config.keyCount, deployments: config.deploymentCount, startupS, rssAfterStart, rate, saturation, serial, open };
  }

  async soak(): Promise<void> {
    const s = this.settings;
    const saturation = this.result.paths.full?.saturation?.achievedRps ?? this.result.scaling[0]?.saturation.achievedRps;
    const rate = s.soakRate ?? Math.min(300, saturation ? niceRate(0.5 * saturation) : 300);
    this.result.chosen.soakRate = rate;
    this.sampler.setPhase("soak");
    const mix: { name: string; spec: RequestSpec }[] = [
      { name: "full (bypass)", spec: { path: CHAT, headers: gatewayHeaders(true), body: chatBody(MODEL) } },
      { name: "cache hit", spec: { path: CHAT, headers: gatewayHeaders(false), body: chatBody(MODEL) } },
      {
        name: "stream (bypass)",
        spec: { path: CHAT, headers: gatewayHeaders(true), body: chatBody(MODEL, { stream: true }), stream: true },
      },
      {
        name: "cache miss + store",
        spec: { path: CHAT, headers: storingHeaders(), body: chatBody(MODEL, { nonce: true }), unique: true },
      },
    ];
    log(
      `soak: ${s.soakS} s at ${rate} req/s (${mix.map((m) => m.name).join(", ")}), RSS every ${s.soakSampleS} s, after ${s.soakSettleS} s of the same traffic unmeasured`,
    );
    const spec = { origin: this.gateway, mode: "open" as const, rate, requests: mix.map((m) => m.spec) };
    // The soak's stores expire after UNIQUE_BODY_TTL_S, so from then on the cache's index and Redis
    // hold a steady number of entries: the first reading waits for that, so what the cache gains
    // on its way there is not read as a climb.
    if (s.soakSettleS > 0) await this.measure({ ...spec, label: "soak settle", durationS: s.soakSettleS });
    const samples: SoakSample[] = [];
    const began = performance.now();
    const take = () => samples.push({ tS: Math.round((performance.now() - began) / 100) / 10, rss: rssNow(this.tracked()) });
    take();
    const timer = setInterval(take, s.soakSampleS * 1000);
    // Live memory (forced full GCs, one process at a time) just before and just after the run, never
    // inside it: a reading stalls the mesh, and a stall inside the run would be read as latency.
    const live: LiveReading[] = [];
    const readLive = async () =>
      live.push({ tS: Math.round((performance.now() - began) / 100) / 10, bytes: await liveMemory(this.inspectTargets()) });
    await readLive();
    let lastReport = 0;
    const run = await this.measure(
      { ...spec, label: "soak", durationS: s.soakS, windowS: s.soakS >= 120 ? 30 : 5 },
      {
        onWindow: (w) => {
          if (w.tS - lastReport < 60 && s.soakS >= 120) return;
          lastReport = w.tS;
          const rss = samples.at(-1)?.rss ?? {};
          log(
            `  soak ${w.tS.toFixed(0)} s: p50 ${fmt(w.p50)} ms, p99 ${fmt(w.p99)} ms, ingress ${mb(rss.ingress)} MB, connector ${mb(rss["connector-up"])} MB`,
          );
        },
      },
    );
    clearInterval(timer);
    take();
    await readLive();
    const verdicts = soakVerdicts(
      samples,
      this.meshTracked.map((t) => t.name),
      live.length === 2 ? live : [],
    );
    const verdict = soakVerdictText(verdicts, s.soakS);
    log(`  ${verdict}`);
    this.result.soak = {
      durationS: s.soakS,
      settleS: s.soakSettleS,
      rate,
      mix: mix.map((m) => m.name),
      run,
      samples,
      live,
      cacheTtlS: UNIQUE_BODY_TTL_S,
      verdicts,
      verdict,
    };
  }

  async profile(config: GeneratedConfig): Promise<void> {
    const s = this.settings;
    const dir = join(RUNS_DIR, `profiles-${this.stamp}`);
    mkdirSync(dir, { recursive: true });
    const args = ["--cpu-prof", `--cpu-prof-dir=${dir}`];
    await this.startMesh("profile", config, { ingress: args, connector: args, policy: args, cache: args, router: args });
    this.sampler.setPhase("profile");
    const pids = new Map(this.mesh!.processes.map((p) => [p.child.pid!, p.name]));
    const base = {
      origin: this.gateway,
      requests: [{ path: CHAT, headers: storingHeaders(), body: chatBody(MODEL, { nonce: true }), unique: true }],
    };
    log(`profile: full path at saturation for ${s.profileS} s with --cpu-prof on ingress, connector, policy, cache, router`);
    await this.measure({ ...base, label: "profile warm-up", mode: "closed", concurrency: 8, durationS: s.warmupS });
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const run = await this.measure({
      ...base,
      label: "profile",
      mode: "closed",
      concurrency: s.saturationConcurrency,
      durationS: s.profileS,
    });
    const toUs = Number(process.hrtime.bigint() / 1000n);
    await this.stopMesh();
    const summaries: ProfileResult["summaries"] = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
      const pid = Number(/^CPU\.\d+\.\d+\.(\d+)\./.exec(file)?.[1]);
      const name = pids.get(pid) ?? file;
      summaries[name] = summarizeProfile(join(dir, file), 25, { fromUs, toUs });
    }
    this.result.profile = { durationS: s.profileS, run, dir: dir.slice(BENCH_DIR.length + 1), summaries };
    const ingress = summaries.ingress;
    if (ingress)
      log(
        `  ingress busy ${ingress.busyMs.toFixed(0)} ms of ${ingress.wallMs.toFixed(0)} ms; top: ${ingress.top
          .slice(0, 3)
          .map((f) => `${f.name} ${f.pct}%`)
          .join(", ")}`,
      );
  }

  // --- the whole run -----------------------------------------------------------------------------

  async run(): Promise<void> {
    const s = this.settings;
    await this.setUp();
    const mainConfig = this.config("main", s.keysSmall, s.deploymentsSmall);
    const needsMain = s.phases.some((p) => p !== "profile");
    if (needsMain) {
      // The streams phase and the soak read the services' live memory through their inspectors.
      this.inspectPorts = {};
      for (const service of MESH_SERVICES) this.inspectPorts[service] = await freePort();
      const inspectArgs = Object.fromEntries(
        Object.entries(this.inspectPorts).map(([service, port]) => [service, [`--inspect-port=127.0.0.1:${port}`]]),
      );
      const startupS = await this.startMesh("main", mainConfig, inspectArgs);
      this.result.mainConfig.startupS = startupS;
      await this.idleCpu();
      // The small config's scaling run goes first, while this mesh is as fresh as the others will be.
      if (s.phases.includes("scaling"))
        this.result.scaling.push(await this.scaleRun(`${s.keysSmall} keys, ${s.deploymentsSmall} deployments`, mainConfig, startupS));
      if (s.phases.includes("paths")) await this.paths();
      if (s.phases.includes("streams")) {
        await this.streams();
        await this.tokenRelay();
      }
      if (s.phases.includes("images")) await this.images();
      if (s.phases.includes("soak")) await this.soak();
      this.result.peakRss = hwmNow(this.tracked());
      const check = await this.stopMesh();
      if (check) this.result.usageEvents.mainMesh = check;
      if (check) log(`usage events for the main mesh: ${check.events} for ${check.sent} gateway requests (${check.lost} missing)`);
    }
    if (s.phases.includes("scaling")) {
      for (const [keys, deployments] of [
        [s.keysLarge, s.deploymentsSmall],
        [s.keysSmall, s.deploymentsLarge],
      ] as const) {
        const label = `${keys} keys, ${deployments} deployments`;
        const config = this.config(`scale-${keys}-${deployments}`, keys, deployments);
        log(`scaling: ${label}`);
        const startupS = await this.startMesh(`scale-${keys}-${deployments}`, config);
        this.result.scaling.push(await this.scaleRun(label, config, startupS));
        await this.stopMesh();
      }
    }
    if (s.phases.includes("profile")) await this.profile(mainConfig);
    this.sampler.stop();
  }

  async tearDown(keepWorkDir = false): Promise<void> {
    this.sampler.stop();
    if (this.mesh) await this.mesh.stop().catch(() => undefined);
    await this.loadgen?.stop().catch(() => undefined);
    await this.upstream?.stop().catch(() => undefined);
    await this.counter?.close().catch(() => undefined);
    await this.infra?.stop().catch(() => undefined);
    if (keepWorkDir) log(`logs and generated configs kept in ${this.workDir}`);
    else rmSync(this.workDir, { recursive: true, force: true });
  }

  finish(): { json: string; md: string } {
    const r = this.result;
    r.meta.finishedAt = new Date().toISOString();
    r.meta.durationS = Math.round((Date.now() - this.started) / 100) / 10;
    r.targets = targetChecks(r);
    r.meta.otherLoad = {
      meanCores: Math.round(mean(this.otherLoad) * 100) / 100,
      maxCores: Math.round(Math.max(0, ...this.otherLoad) * 100) / 100,
    };
    if (r.meta.otherLoad.meanCores > 0.2) {
      r.meta.notes.push(
        `other processes on this machine used ${r.meta.otherLoad.meanCores} cores on average (up to ${r.meta.otherLoad.maxCores}) during the measured runs: latencies and throughput are pessimistic`,
      );
    }
    if (r.meta.quick) r.meta.notes.push("quick mode: short runs, fewer samples and a short soak; figures are indicative only");
    mkdirSync(RUNS_DIR, { recursive: true });
    const json = `${JSON.stringify(r, null, 2)}\n`;
    const md = renderMarkdown(r);
    const name = `${this.stamp}${r.meta.quick ? "-quick" : ""}`;
    writeFileSync(join(RUNS_DIR, `${name}.json`), json);
    writeFileSync(join(RUNS_DIR, `${name}.md`), md);
    writeFileSync(join(RESULTS_DIR, "latest.json"), json);
    writeFileSync(join(RESULTS_DIR, "latest.md"), md);
    updateReadmeFigures(join(RESULTS_DIR, "latest.json"));
    return { json: join(RUNS_DIR, `${name}.json`), md };
  }
}

// --- helpers -------------------------------------------------------------------------------------

export function isMeasured(run: Measured | { skipped: string }): run is Measured {
  return !("skipped" in run);
}

function diff(a: RunResult["latency"], b: RunResult["latency"]): Overhead {
  return { p50: a.p50 - b.p50, p90: a.p90 - b.p90, p99: a.p99 - b.p99, p999: a.p999 - b.p999 };
}

/** Fixed rates are "reachable" up to this share of the measured saturation throughput. */
const REACHABLE = 0.9;

/** Rounds a rate down to a tidy figure (…, 7, 10, 20, …, 100, 150, …). */
function niceRate(rate: number): number {
  if (rate >= 100) return Math.floor(rate / 50) * 50;
  if (rate >= 20) return Math.floor(rate / 10) * 10;
  return Math.max(1, Math.floor(rate));
}

const HOP_FLOOR_REQUESTS = 5_000;

/**
 * TTL that every request with a never-sent body asks for (`x-switchyard-cache-ttl`): nothing reads
 * those entries again. With the config's hour the cache's index would still hold the earlier
 * phases' entries during the soak, and its Map doubling its table would read as a climb; with a
 * minute the index is at its steady size after the soak's first minute.
 */
const UNIQUE_BODY_TTL_S = 60;

/** Headers of a gateway request whose body was never sent before: a cache miss, then a store. */
const storingHeaders = (): Record<string, string> => ({ ...gatewayHeaders(false), "x-switchyard-cache-ttl": String(UNIQUE_BODY_TTL_S) });

/** A few microbenchmarks, so runs on differently loaded machines can be compared. */
function calibrate(): BenchResult["meta"]["calibration"] {
  const text = JSON.stringify({
    id: "chatcmpl-x",
    choices: [{ index: 0, message: { role: "assistant", content: "Hello! How can I assist you today?" } }],
    pad: "x".repeat(500),
  });
  const time = (n: number, work: () => void) => {
    for (let i = 0; i < n / 10; i++) work();
    const started = performance.now();
    for (let i = 0; i < n; i++) work();
    return ((performance.now() - started) * 1000) / n;
  };
  return {
    jsonParseUs: Math.round(time(50_000, () => JSON.parse(text)) * 100) / 100,
    sha256Us: Math.round(time(50_000, () => createHash("sha256").update(text).digest("hex")) * 100) / 100,
    loadAvg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const percent = (share: number) => `${(share * 100).toFixed(2)}%`;

/** A file's text, or undefined where it does not exist or cannot be read (`/sys` differs between machines). */
function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

const mb = (bytes: number | undefined) => (bytes === undefined ? "?" : (bytes / MB).toFixed(0));

/** Identifies the compiled services and packages (paths, sizes, times), to notice a rebuild mid-run. */
function buildFingerprint(): { fingerprint: string; newest: string } {
  const hash = createHash("sha1");
  let newest = 0;
  for (const top of ["services", "packages"]) {
    const root = join(REPO_ROOT, top);
    for (const name of readdirSync(root).sort()) {
      const dist = join(root, name, "dist");
      let files: string[];
      try {
        files = (readdirSync(dist, { recursive: true }) as string[]).filter((f) => f.endsWith(".js")).sort();
      } catch {
        continue;
      }
      for (const file of files) {
        const stat = statSync(join(dist, file));
        newest = Math.max(newest, stat.mtimeMs);
        hash.update(`${top}/${name}/${file}:${stat.size}:${stat.mtimeMs}\n`);
      }
    }
  }
  return { fingerprint: hash.digest("hex").slice(0, 12), newest: new Date(newest).toISOString() };
}

/** The ingress and the connectors: the processes an open stream passes through. */
const holdsStreams = (name: string) => name === "ingress" || name.startsWith("connector");

async function rssMean(tracked: readonly Tracked[], samples: number, everyMs: number): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(everyMs);
    for (const [name, rss] of Object.entries(rssNow(tracked))) sums[name] = (sums[name] ?? 0) + rss / samples;
  }
  return sums;
}

function targetChecks(r: BenchResult): BenchResult["targets"] {
  const out: BenchResult["targets"] = [];
  const check = (name: string, value: number | undefined, limit: number, unit: string, atLeast = false) =>
    out.push({
      name,
      target: `${atLeast ? "≥" : "≤"} ${limit} ${unit}`,
      measured: value === undefined ? "not measured" : `${unit === "req/s" || unit === "KB" ? value.toFixed(0) : value.toFixed(2)} ${unit}`,
      pass: value === undefined ? undefined : atLeast ? value >= limit : value <= limit,
    });
  const o = r.overhead;
  check("full path added p50, one at a time", o.full?.serial?.p50, 0.5, "ms");
  check("full path added p99, one at a time", o.full?.serial?.p99, 2, "ms");
  check("cache hit added p50, one at a time", o.hit?.serial?.p50, 0.3, "ms");
  for (const [rate, limit] of [
    ["500", 5],
    ["1000", 10],
  ] as const) {
    const run = r.paths.full?.rates[rate];
    const name = `full path added p99 at ${Number(rate).toLocaleString("en-US")} req/s`;
    if (run && !isMeasured(run)) out.push({ name, target: `≤ ${limit} ms`, measured: run.skipped, pass: false });
    else check(name, o.full?.rates[rate]?.p99, limit, "ms");
  }
  check("full path saturation throughput", r.paths.full?.saturation?.achievedRps, 2500, "req/s", true);
  check("stream TTFT added p99, one at a time", o.stream?.ttftSerial?.p99, 2, "ms");
  check("memory per open stream (1,000 open)", r.streams ? streamCostBytes(r.streams) / 1024 : undefined, 50, "KB");
  const sat = Object.values(r.usageEvents.saturation);
  out.push({
    name: "usage events lost at saturation",
    target: "0",
    measured: sat.length === 0 ? "not measured" : `${sat.reduce((a, e) => a + e.lost, 0)} of ${sat.reduce((a, e) => a + e.sent, 0)}`,
    pass: sat.length === 0 ? undefined : sat.every((e) => e.lost <= 0),
  });
  out.push({
    name: "soak: memory levels off",
    target: "no climb",
    measured: r.soak ? r.soak.verdict : "not measured",
    pass: r.soak ? (r.soak.durationS >= MIN_SOAK_S ? r.soak.verdicts.every((v) => v.levelsOff) : undefined) : undefined,
  });
  return out;
}

// --- entry ---------------------------------------------------------------------------------------

let settings: Settings;
try {
  settings = readSettings(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const bench = new Bench(settings);
let interrupted = false;
const onSignal = () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log("interrupted; stopping everything…");
  void bench.tearDown().finally(() => process.exit(130));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

let failed: unknown;
try {
  await bench.run();
} catch (error) {
  failed = error;
  log(`✖ ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await bench.tearDown(failed !== undefined || process.env.BENCH_KEEP_LOGS === "1");
}
if (failed) {
  bench.result.meta.notes.push(`the run failed: ${failed instanceof Error ? failed.message : String(failed)}`);
}
const { json, md } = bench.finish();
process.stdout.write(`\n${md}\n`);
log(`results: ${json}; also bench/results/latest.json / latest.md, and the figures in bench/README.md`);
process.exit(failed ? 1 : 0);
