// Renders a bench result as Markdown tables.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { streamCostBytes } from "./heap.js";
import type { RunResult } from "./loadgen-protocol.js";
import { formatCallers } from "./profile.js";
import type { ProtocolFloor } from "./protocol-floor.js";
import { LIVE_SLACK_MB, LIVE_SLACK_SHARE } from "./soak.js";
import type { BenchResult, ConsumersPausedResult, Measured, Skipped, SoakResult, TokenRelayResult } from "./types.js";
import { describeIdlePolicy } from "./wakeups.js";

const MB = 1024 * 1024;
export const ms = (v: number | undefined) => (v === undefined ? "–" : v < 10 && v > -10 ? v.toFixed(2) : v.toFixed(1));
export const signed = (v: number | undefined) => (v === undefined ? "–" : `${v >= 0 ? "+" : ""}${ms(v)}`);
export const int = (v: number | undefined) => (v === undefined ? "–" : Math.round(v).toLocaleString("en-US"));
const mb = (v: number | undefined) => (v === undefined ? "–" : (v / MB).toFixed(1));
const isMeasured = (run: Measured | Skipped | undefined): run is Measured => run !== undefined && !("skipped" in run);

export function table(header: string[], align: ("l" | "r")[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

function errorsOf(run: RunResult): string {
  const bad =
    run.failures +
    Object.entries(run.statuses).reduce((sum, [status, n]) => (status.startsWith("2") ? sum : sum + n), 0) +
    run.incompleteStreams;
  return bad === 0 ? "0" : `**${bad}**`;
}

/** Service columns in a stable order: the gateway's services, then the helpers. */
function processOrder(names: Iterable<string>): string[] {
  const order = [
    "ingress",
    "policy",
    "cache",
    "router",
    "connector",
    "budget",
    "logger",
    "nats-server",
    "redis-server",
    "upstream",
    "loadgen",
  ];
  const rank = (n: string) => {
    const i = order.findIndex((o) => n === o || n.startsWith(`${o}-`));
    return i < 0 ? order.length : i;
  };
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const GATEWAY_COST = (name: string) => !["upstream", "loadgen"].includes(name);
export const gatewayCpu = (run: Measured) =>
  Object.entries(run.cpuUsPerRequest)
    .filter(([n]) => GATEWAY_COST(n))
    .reduce((a, [, v]) => a + v, 0);
/** CPU per request of one service, its replicas (`connector-up`, `connector-up-1`…) summed. */
const serviceCpu = (run: Measured, service: string) =>
  Object.entries(run.cpuUsPerRequest)
    .filter(([n]) => n === service || n.startsWith(`${service}-`))
    .reduce((a, [, v]) => a + v, 0);

/** How the soak began, for its summary line: after how much unmeasured traffic, and whether the cache had reached its steady size by then. */
function settleText(soak: SoakResult): string {
  if (!soak.settleS) return "";
  const ttl = soak.cacheTtlS;
  if (ttl !== undefined && soak.settleS >= ttl) {
    return `, after ${soak.settleS} s of the same traffic unmeasured (the cache's stores live ${ttl} s, so its index and Redis start the soak at their steady size)`;
  }
  return `, after ${soak.settleS} s of the same traffic unmeasured, shorter than the ${ttl ?? "?"} s the cache's stores live: the cache was still filling`;
}

/** The full path one at a time with budget and logger running and paused, pair by pair, and the mean difference. */
function consumersPausedSection(pause: ConsumersPausedResult, baseline: Measured | undefined): string[] {
  const rows: string[][] = [];
  const differences = { p50: [] as number[], p99: [] as number[] };
  pause.pairs.forEach(({ running, paused }, i) => {
    for (const [state, run] of [
      ["running", running],
      ["paused", paused],
    ] as const) {
      const added = baseline
        ? [signed(run.latency.p50 - baseline.latency.p50), signed(run.latency.p99 - baseline.latency.p99)]
        : ["–", "–"];
      rows.push([
        `${i + 1}`,
        state,
        ms(run.latency.p50),
        ms(run.latency.p90),
        ms(run.latency.p99),
        ms(run.latency.p999),
        ...added,
        int(serviceCpu(run, "ingress")),
        int(serviceCpu(run, "connector")),
        int(gatewayCpu(run)),
        errorsOf(run),
      ]);
    }
    differences.p50.push(running.latency.p50 - paused.latency.p50);
    differences.p99.push(running.latency.p99 - paused.latency.p99);
  });
  const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return [
    "### What the usage consumers cost a request, one at a time",
    `The full path one at a time (${int(pause.pairs[0]!.running.responses)} requests per run) with budget and logger running, then paused (SIGSTOP) for one run, in alternating pairs. No response waits for them, but their bursts, and what those set off in nats-server and Redis, share the two cores with every request. Paused, they fall one run's events behind; JetStream keeps the events and they work them off before the next run. *added*: against the baseline one at a time above. CPU in µs per request; *gateway* is every Switchyard service plus nats-server and redis-server.`,
    table(
      ["pair", "budget and logger", "p50", "p90", "p99", "p99.9", "added p50", "added p99", "ingress", "connector", "gateway", "errors"],
      ["l", "l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
      rows,
    ),
    `Running minus paused, mean over ${pause.pairs.length} pair${pause.pairs.length === 1 ? "" : "s"}: p50 ${signed(meanOf(differences.p50))} ms, p99 ${signed(meanOf(differences.p99))} ms.`,
  ];
}

/** Streams paced like tokens: the stream's latency against the upstream alone, and CPU per relayed chunk by process. */
function tokenRelaySection(relay: TokenRelayResult): string[] {
  const names = processOrder(Object.keys(relay.gateway.cpuUsPerRequest)).filter((n) => n !== "loadgen" && n !== "upstream");
  const perChunk = (run: Measured, name: string) => (run.cpuUsPerRequest[name] ?? 0) / relay.chunks;
  const row = (label: string, run: Measured, baseline?: Measured) => [
    label,
    int(run.achievedRps),
    int(run.achievedRps * relay.chunks),
    ms(run.latency.p50),
    ms(run.latency.p99),
    baseline ? signed(run.latency.p50 - baseline.latency.p50) : "",
    baseline ? signed(run.latency.p99 - baseline.latency.p99) : "",
    ...names.map((n) => (baseline ? perChunk(run, n).toFixed(1) : "")),
    baseline ? `**${(gatewayCpu(run) / relay.chunks).toFixed(1)}**` : "",
    errorsOf(run),
  ];
  return [
    `## Token relay: streams of ${relay.chunks} chunks, one every ${relay.gapMs} ms`,
    `${relay.rate} streams/s opened at evenly spaced times (cache bypass), each chunk written by the upstream on its own, so it reaches the connector alone and crosses every hop alone, as a model's tokens do (the path rows' streams arrive in one read). Latency: to the stream's last byte. CPU in µs per chunk, per process: each stream's CPU ÷ ${relay.chunks} (a stream's fixed cost, about one full request's, is part of it).`,
    table(
      ["run", "streams/s", "chunks/s", "p50", "p99", "added p50", "added p99", ...names, "gateway", "errors"],
      ["l", "r", "r", "r", "r", "r", "r", ...names.map(() => "r" as const), "r", "r"],
      [row("upstream directly", relay.baseline), row("gateway", relay.gateway, relay.baseline)],
    ),
  ];
}

/** What one of the protocol floor's chains adds to the upstream alone, at p50 and p99. */
export function floorAdded(floor: ProtocolFloor, chain: "single" | "mesh"): { p50: number; p99: number } {
  return { p50: floor[chain].p50 - floor.upstream.p50, p99: floor[chain].p99 - floor.upstream.p99 };
}

/** The full path's processes and protocols with handlers that only pass bytes along (`protocol-floor.ts`). */
function protocolFloorText(floor: ProtocolFloor): string {
  const added = (chain: "single" | "mesh") => {
    const { p50, p99 } = floorAdded(floor, chain);
    return `${signed(p50)} / ${signed(p99)} ms`;
  };
  return (
    `The same hops with the gateway's own protocols and no gateway work (a chat request to the fake upstream, one at a time; upstream alone p50 ${ms(floor.upstream.p50)} / p99 ${ms(floor.upstream.p99)} ms): ` +
    `through one relay process (HTTP in, undici out), what any single-process gateway's hops cost, ${added("single")} at p50 / p99; ` +
    `through an ingress-shaped and a connector-shaped process joined by the gateway's multiplexed gRPC stream, the full path's floor, ${added("mesh")}.`
  );
}

/** How much of the full path's one-at-a-time overhead the protocol floor already takes. */
export function floorShareText(floor: ProtocolFloor | undefined, full: { p50: number; p99: number } | undefined): string | undefined {
  if (!floor || !full) return undefined;
  const { p50, p99 } = floorAdded(floor, "mesh");
  return (
    `Of the full path's added latency one at a time (${signed(full.p50)} / ${signed(full.p99)} ms at p50 / p99), ` +
    `${signed(p50)} / ${signed(p99)} ms is the floor of its processes and protocols on this machine (measured above with handlers that only pass bytes along); ` +
    `the rest, ${signed(full.p50 - p50)} / ${signed(full.p99 - p99)} ms, is the gateway's own work (validation, key check, cache, routing, translation, usage event) and what it sets off (the usage consumers, nats-server, Redis).`
  );
}

export function renderMarkdown(r: BenchResult): string {
  const out: string[] = [];
  const m = r.meta;
  out.push(`# Switchyard benchmark — ${m.startedAt.slice(0, 16).replace("T", " ")} UTC${m.quick ? " (quick mode)" : ""}`);
  out.push(
    `${m.machine.cpus} × ${m.machine.cpuModel}, ${m.machine.memoryGB} GB, Node ${m.machine.node}, Linux ${m.machine.kernel}${m.commit ? `, commit ${m.commit}` : ""}. ` +
      `Run took ${(m.durationS / 60).toFixed(1)} min. Everything on 127.0.0.1; mesh config: ${int(r.mainConfig.keys)} keys, ${r.mainConfig.deployments} deployments, one connector. Latencies in ms.`,
  );
  out.push(
    `Machine check at start: JSON.parse of a 0.6 KB completion ${m.calibration.jsonParseUs} µs, SHA-256 of it ${m.calibration.sha256Us} µs, load average ${m.calibration.loadAvg1m}. ` +
      `Other processes used ${m.otherLoad.meanCores} cores on average (max ${m.otherLoad.maxCores}) during measured runs.`,
  );
  if (m.wakeups) {
    const w = m.wakeups;
    const pct = (share: number) => `${(share * 100).toFixed(2)}%`;
    out.push(
      `Wake-ups at idle: ${int(w.sleeps)} sleeps of ${w.sleepMs} ms woke late by p50 ${ms(w.p50)}, p99 ${ms(w.p99)}, p99.9 ${ms(w.p999)}, max ${ms(w.max)} ms; ` +
        `${pct(w.over1msShare)} of them more than 1 ms late and ${pct(w.over2msShare)} more than 2 ms. ` +
        `A gateway request is about six wake-ups (client, ingress, connector, upstream and back), so roughly ${pct(1 - (1 - w.over1msShare) ** 6)} of requests meet a 1 ms+ delay the machine adds at idle, before any load of its own.`,
    );
  }
  const idle = m.idlePolicy && describeIdlePolicy(m.idlePolicy);
  if (idle) out.push(idle);
  if (m.hopFloor) {
    const { direct, twoRelays } = m.hopFloor;
    out.push(
      `Process hops alone on this machine (trivial Node relays passing 512 bytes, one at a time): client → echo p50 ${ms(direct.p50)} / p99 ${ms(direct.p99)} ms; ` +
        `through two relays, the process hops of the full path, p50 ${ms(twoRelays.p50)} / p99 ${ms(twoRelays.p99)} ms. ` +
        `The difference (${signed(twoRelays.p50 - direct.p50)} / ${signed(twoRelays.p99 - direct.p99)} ms) is what separate processes cost before any gateway work.`,
    );
    if (m.protocolFloor) out.push(protocolFloorText(m.protocolFloor));
    const pinned = m.hopFloor.pinned;
    if (pinned) {
      // A round trip is two hand-overs: client → echo and back.
      const wakeUs = ((pinned.twoCores.p50 - pinned.oneCore.p50) / 2) * 1000;
      out.push(
        `Pinned with taskset: client → echo both on one core p50 ${ms(pinned.oneCore.p50)} / p99 ${ms(pinned.oneCore.p99)} ms, each on its own core p50 ${ms(pinned.twoCores.p50)} / p99 ${ms(pinned.twoCores.p99)} ms: ` +
          `a hand-over that wakes the other core costs about ${Math.round(wakeUs)} µs more than a switch on the same core. ` +
          `The full path makes four hand-overs more than the baseline, and the scheduler, not the gateway, picks the core of each.`,
      );
    }
  }
  for (const note of m.notes) out.push(`> ${note}`);

  out.push("## Targets");
  out.push(
    table(
      ["target", "goal", "measured", ""],
      ["l", "r", "r", "l"],
      r.targets.map((t) => [t.name, t.target, t.measured, t.pass === undefined ? "–" : t.pass ? "✅" : "❌"]),
    ),
  );
  const floorShare = floorShareText(m.protocolFloor, r.overhead.full?.serial);
  if (floorShare) out.push(floorShare);

  const paths = Object.values(r.paths);
  if (paths.length > 0) {
    out.push("## Latency by path and load");
    out.push(
      "Open loop at fixed rates: latency from the *intended* send time to the last byte (TTFT: to the first body bytes). " +
        "*one at a time*: one request in flight. *saturation*: closed loop, " +
        `${m.settings.saturationConcurrency} connections. *added*: this path minus its baseline at the same load and percentile.`,
    );
    const rows: string[][] = [];
    for (const path of paths) {
      const over = r.overhead[path.name];
      const base = path.baseline ? r.paths[path.baseline] : undefined;
      const add = (run: RunResult, baseRun: RunResult | undefined) => {
        const metric = path.stream ? "ttft" : "latency";
        const a = run[metric];
        const b = baseRun?.[metric];
        return a && b ? [signed(a.p50 - b.p50), signed(a.p99 - b.p99)] : ["", ""];
      };
      const row = (load: string, run: Measured, baseRun: RunResult | undefined) => {
        const main = run.latency;
        const t = run.ttft;
        rows.push([
          path.name,
          load,
          int(run.achievedRps),
          ms(main.p50),
          ms(main.p90),
          ms(main.p99),
          ms(main.p999),
          ms(main.max),
          t ? `${ms(t.p50)} / ${ms(t.p99)}` : "",
          ...add(run, baseRun),
          errorsOf(run),
          run.otherCores.toFixed(2),
        ]);
      };
      if (path.serial) row("one at a time", path.serial, base?.serial);
      for (const [rate, run] of Object.entries(path.rates)) {
        if (isMeasured(run)) row(`${rate}/s`, run, isMeasured(base?.rates[rate]) ? (base?.rates[rate] as Measured) : undefined);
        else rows.push([path.name, `${rate}/s`, "", "", "", "", "", "", "", "", "", run.skipped, ""]);
      }
      if (path.saturation) row("saturation", path.saturation, base?.saturation);
      void over;
    }
    out.push(
      table(
        ["path", "load", "req/s", "p50", "p90", "p99", "p99.9", "max", "TTFT p50 / p99", "added p50", "added p99", "errors", "other load²"],
        ["l", "l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
        rows,
      ),
    );
    out.push(
      "Streams: *added* compares time to first token. ² cores used by processes outside the bench during the run (this machine is shared); above ~0.3 treat the row as pessimistic. Path meanings:",
    );
    out.push(paths.map((p) => `- **${p.name}**: ${p.description}`).join("\n"));

    const lagged = paths.flatMap((p) => Object.values(p.rates).filter(isMeasured)).map((run) => run.lag?.p99 ?? 0);
    if (lagged.length > 0)
      out.push(`Load generator send lag (actual − intended send time), worst p99 over the fixed-rate runs: ${ms(Math.max(...lagged))} ms.`);

    const pause = r.consumersPaused;
    if (pause && pause.pairs.length > 0) out.push(...consumersPausedSection(pause, r.paths.baseline?.serial));

    out.push("## CPU time per request (µs), at saturation");
    const names = processOrder(paths.flatMap((p) => Object.keys(p.saturation?.cpuUsPerRequest ?? {})));
    out.push(
      table(
        ["path", "req/s", ...names, "gateway total¹"],
        ["l", "r", ...names.map(() => "r" as const), "r"],
        paths
          .filter((p) => p.saturation)
          .map((p) => {
            const cpu = p.saturation!.cpuUsPerRequest;
            const total =
              p.target === "gateway"
                ? Object.entries(cpu)
                    .filter(([n]) => GATEWAY_COST(n))
                    .reduce((a, [, v]) => a + v, 0)
                : undefined;
            return [
              p.name,
              int(p.saturation!.achievedRps),
              ...names.map((n) => int(cpu[n])),
              total === undefined ? "–" : `**${int(total)}**`,
            ];
          }),
      ),
    );
    out.push(
      `¹ every Switchyard service plus nats-server and redis-server; the upstream and the load generator are shown for context, not counted. The machine has ${m.machine.cpus} cores = ${int(m.machine.cpus * 1e6)} µs of CPU per second: total µs/request × req/s near that figure means CPU-bound.`,
    );
    const idle = r.idleCpuMsPerS;
    if (Object.keys(idle).length > 0) {
      out.push(
        `With no traffic the processes use (ms of CPU per second): ${processOrder(Object.keys(idle))
          .map((n) => `${n} ${idle[n]!.toFixed(1)}`)
          .join(", ")}. At low request rates this background is part of the figures above.`,
      );
    }
    const full = r.paths.full;
    const at500 = full?.rates["500"];
    if (isMeasured(at500)) {
      out.push(
        `Full path at 500 req/s: ${names
          .filter((n) => at500.cpuUsPerRequest[n] !== undefined)
          .map((n) => `${n} ${int(at500.cpuUsPerRequest[n])}`)
          .join(", ")} µs/request.`,
      );
    }
  }

  const sat = Object.entries(r.usageEvents.saturation);
  if (sat.length > 0 || r.usageEvents.mainMesh) {
    out.push("## Usage events");
    const rows = sat.map(([name, e]) => [`${name} at saturation`, int(e.sent), int(e.events), e.lost === 0 ? "0" : `**${e.lost}**`]);
    const all = r.usageEvents.mainMesh;
    if (all)
      rows.push(["whole main mesh run (every request sent)", int(all.sent), int(all.events), all.lost === 0 ? "0" : `**${all.lost}**`]);
    out.push(table(["run", "gateway requests", "events on SWITCHYARD_USAGE", "missing"], ["l", "r", "r", "r"], rows));
  }

  if (Object.keys(r.peakRss).length > 0) {
    out.push("## Memory (RSS, MB)");
    const phases = Object.keys(r.phasePeakRss).filter((p) => !p.startsWith("start") && !p.startsWith("scaling") && p !== "profile");
    const names = processOrder(Object.keys(r.peakRss));
    out.push(
      table(
        ["process", ...phases.map((p) => `peak: ${p}`), "peak (VmHWM)"],
        ["l", ...phases.map(() => "r" as const), "r"],
        names.map((n) => [n, ...phases.map((p) => mb(r.phasePeakRss[p]?.[n])), `**${mb(r.peakRss[n])}**`]),
      ),
    );
  }

  const s = r.streams;
  if (s) {
    out.push(`## ${int(s.requested)} concurrent open streams`);
    out.push(
      `Opened at ${s.rate}/s through the gateway (cache bypass) to an upstream that sends the first chunks and then holds each stream ${(s.holdMs / 1000).toFixed(1)} s; memory sampled 1 s after the last one opened. ` +
        `${int(s.open)} open after ${(s.openedInMs / 1000).toFixed(1)} s (${s.failed} failed), ${int(s.completed)} completed, ${s.incomplete} incomplete. ` +
        `TTFT while opening: p50 ${ms(s.ttft?.p50)}, p99 ${ms(s.ttft?.p99)} ms.`,
    );
    const names = processOrder(Object.keys(s.rssDuring));
    const heap = (n: string, side: Record<string, number> | undefined) => (side?.[n] === undefined ? "" : mb(side[n]));
    const kb = (bytes: number | undefined) => (bytes === undefined ? "" : (bytes / 1024).toFixed(1));
    out.push(
      table(
        [
          "process",
          "RSS before (MB)",
          "RSS with streams open (MB)",
          "RSS after they ended (MB)",
          "KB per stream (RSS)",
          "live before (MB)",
          "live with streams open (MB)",
          "live after (MB)",
          "KB per stream (live)",
        ],
        ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
        names.map((n) => [
          n,
          mb(s.rssBefore[n]),
          mb(s.rssDuring[n]),
          mb(s.rssAfter[n]),
          kb(s.bytesPerStreamByService[n] ?? 0),
          heap(n, s.heapBefore),
          heap(n, s.heapDuring),
          heap(n, s.heapAfter),
          kb(s.heapBytesPerStreamByService?.[n]),
        ]),
      ),
    );
    const heapText = s.heapBytesPerStream === undefined ? "" : `, ${kb(s.heapBytesPerStream)} KB by live memory`;
    out.push(
      `**Ingress + connector: ${kb(streamCostBytes(s))} KB per open stream** (the larger of two measures: ${kb(s.bytesPerStream)} KB by RSS${heapText}). ` +
        `Live memory is each process's JS heap in use + Buffer memory right after two forced full GCs (through its inspector, switched on for this phase only): what JavaScript holds, none of its garbage, but blind to native memory. ` +
        `RSS is the mean of several samples taken just after those GCs and sees native memory (sockets, HTTP/2 state), but the allocator moves it by megabytes, so near zero or negative means "too small to see at this count", not free.`,
    );
  }

  const relay = r.tokenRelay;
  if (relay) out.push(...tokenRelaySection(relay));

  const img = r.images;
  if (img) {
    out.push(`## ${(img.imageBytes / MB).toFixed(0)} MB base64 image requests`);
    out.push(
      `Request body ${(img.requestBytes / MB).toFixed(2)} MB, cache bypass unless the row says *cache on* (the default: a new body each request, so the image is digested for the cache key, misses, and the answer is stored).`,
    );
    const row = (label: string, run: Measured, base: Measured) => [
      label,
      int(run.achievedRps),
      ms(run.latency.p50),
      ms(run.latency.p99),
      ms(run.latency.max),
      signed(run.latency.p50 - base.latency.p50),
      signed(run.latency.p99 - base.latency.p99),
      int(serviceCpu(run, "ingress")),
      int(serviceCpu(run, "connector")),
      errorsOf(run),
      run.otherCores.toFixed(2),
    ];
    out.push(
      table(
        ["run", "req/s", "p50", "p99", "max", "added p50", "added p99", "ingress µs/req", "connector µs/req", "errors", "other load"],
        ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
        [
          row("upstream directly, one at a time", img.baselineSerial, img.baselineSerial),
          row("gateway, one at a time", img.gatewaySerial, img.baselineSerial),
          ...(img.gatewayCacheOnSerial ? [row("gateway, cache on, one at a time", img.gatewayCacheOnSerial, img.baselineSerial)] : []),
          row(`upstream directly, ${img.rate}/s`, img.baselineOpen, img.baselineOpen),
          row(`gateway, ${img.rate}/s`, img.gatewayOpen, img.baselineOpen),
        ],
      ),
    );
  }

  if (r.scaling.length > 0) {
    out.push("## Keys and deployments");
    out.push(
      "The bypass path (`x-switchyard-cache: bypass`), `Authorization` rotating over up to 1,000 keys spread over the whole key list. Each config on a freshly started mesh: warm-up, a short saturation probe, one at a time, then open loop at a fixed rate. " +
        "Gateway CPU per request (all services + NATS + Redis, at the fixed rate) is the figure least disturbed by other load on the machine.",
    );
    const first = r.scaling[0]!;
    out.push(
      table(
        [
          "config",
          "mesh start (s)",
          "policy RSS at start (MB)",
          "router RSS at start (MB)",
          "saturation req/s",
          "one at a time p50",
          "p99",
          "rate",
          "p50",
          "p99",
          "p99 vs first",
          "gateway CPU µs/req",
          "errors",
          "other load",
        ],
        ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
        r.scaling.map((x) => [
          x.label,
          x.startupS.toFixed(1),
          mb(x.rssAfterStart.policy),
          mb(x.rssAfterStart.router),
          x.saturation ? int(x.saturation.achievedRps) : "–",
          ms(x.serial.latency.p50),
          ms(x.serial.latency.p99),
          `${x.rate}/s`,
          ms(x.open.latency.p50),
          ms(x.open.latency.p99),
          x === first ? "" : signed(x.open.latency.p99 - first.open.latency.p99),
          int(gatewayCpu(x.open)),
          errorsOf(x.serial).startsWith("0") && errorsOf(x.open).startsWith("0") ? "0" : `**${x.serial.failures + x.open.failures}+**`,
          `${x.serial.otherCores?.toFixed(2) ?? "–"} / ${x.open.otherCores?.toFixed(2) ?? "–"}`,
        ]),
      ),
    );
  }

  const soak = r.soak;
  if (soak) {
    out.push(`## Soak: ${(soak.durationS / 60).toFixed(1)} min at ${soak.rate} req/s`);
    out.push(
      `Mix, round-robin: ${soak.mix.join(", ")}. ${int(soak.run.responses)} responses, ${errorsOf(soak.run)} errors; p50 ${ms(soak.run.latency.p50)}, p99 ${ms(soak.run.latency.p99)}, p99.9 ${ms(soak.run.latency.p999)} ms. RSS sampled every ${m.settings.soakSampleS} s (${soak.samples.length} samples)${settleText(soak)}.`,
    );
    out.push(
      table(
        [
          "service",
          "RSS start",
          "middle third trough¹",
          "last third trough¹",
          "RSS end",
          "trough growth",
          "slope, 2nd half (MB/min)",
          "live at start²",
          "live at end²",
          "live growth",
          "",
        ],
        ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "l"],
        soak.verdicts.map((v) => [
          v.name,
          v.startMB.toFixed(1),
          v.midMB.toFixed(1),
          v.lastMB === undefined ? "–" : v.lastMB.toFixed(1),
          v.endMB.toFixed(1),
          signed(v.growthMB),
          v.slopeMBPerMin.toFixed(2),
          v.liveStartMB === undefined ? "" : v.liveStartMB.toFixed(1),
          v.liveEndMB === undefined ? "" : v.liveEndMB.toFixed(1),
          v.liveGrowthMB === undefined ? "" : signed(v.liveGrowthMB),
          `${v.levelsOff ? "flat" : "**climbing**"}${v.judgedBy === "live" ? " (live)" : ""}`,
        ]),
      ),
    );
    out.push(
      `¹ lowest RSS sample in that third: where memory comes back to after a full GC, which a leak raises; flat: the trough grew by at most max(2 MB, 3%). ` +
        `² live memory, MB: JS heap + Buffers right after two forced full GCs (through the inspector), no sawtooth on top; read just before and just after the soak; flat: it grew by at most max(${LIVE_SLACK_MB} MB, ${LIVE_SLACK_SHARE * 100}%). ` +
        "Where live memory was read it decides; RSS still shows native memory. Each reading stalls the mesh for a few hundred ms, so none falls inside the measured run." +
        (soak.cacheTtlS
          ? ` The soak's cache stores ask for a ${soak.cacheTtlS} s TTL (\`x-switchyard-cache-ttl\`), so the cache's index and Redis reach their steady size in the soak's first minute.`
          : ""),
    );
    out.push(`**Verdict: ${soak.verdict}.**`);
    const others = Object.keys(soak.samples[0]?.rss ?? {}).filter((n) => !soak.verdicts.some((v) => v.name === n));
    if (others.length > 0) {
      const first = soak.samples[0]!.rss;
      const last = soak.samples.at(-1)!.rss;
      out.push(
        `Helpers, start → end (MB): ${others.map((n) => `${n} ${mb(first[n])} → ${mb(last[n])}`).join(", ")} (Redis holds the stored cache entries until their TTL expires).`,
      );
    }
    if (soak.run.windows && soak.run.windows.length > 1) {
      const w = soak.run.windows;
      out.push(
        `Latency by window: first p50 ${ms(w[0]!.p50)} / p99 ${ms(w[0]!.p99)} ms, last p50 ${ms(w.at(-1)!.p50)} / p99 ${ms(w.at(-1)!.p99)} ms, worst window p99 ${ms(Math.max(...w.map((x) => x.p99)))} ms.`,
      );
    }
  }

  const prof = r.profile;
  if (prof) {
    out.push("## Where the time goes (CPU profile)");
    out.push(
      `Full path (cache miss) at saturation for ${prof.durationS} s with \`node --cpu-prof\` on ingress, connector, policy, cache and router (${int(prof.run.achievedRps)} req/s while profiled). Profiles: \`bench/${prof.dir}/\` (open in Chrome DevTools or speedscope).`,
    );
    const idle = processOrder(Object.keys(prof.summaries)).filter((n) => prof.summaries[n]!.busyMs < 0.02 * prof.summaries[n]!.wallMs);
    if (idle.length > 0) out.push(`Idle during this run (under 2% busy, not shown): ${idle.join(", ")}.`);
    for (const name of processOrder(Object.keys(prof.summaries)).filter((n) => !idle.includes(n))) {
      const p = prof.summaries[name]!;
      out.push(
        `### ${name}: busy ${((p.busyMs / p.wallMs) * 100).toFixed(0)}% of the run, GC ${((p.gcMs / Math.max(1, p.busyMs)) * 100).toFixed(0)}% of busy`,
      );
      out.push(
        table(
          ["self %", "function", "where", "called from (nearest non-Node caller)"],
          ["r", "l", "l", "l"],
          p.top
            .slice(0, name === "ingress" || name.startsWith("connector") ? 12 : 6)
            .map((f) => [f.pct.toFixed(1), `\`${f.name}\``, f.where, formatCallers(f)]),
        ),
      );
      out.push(
        `Self time by package: ${p.byPackage
          .slice(0, 8)
          .map((x) => `${x.name} ${x.pct.toFixed(0)}%`)
          .join(", ")}.`,
      );
      out.push(
        `On the stack (inclusive) by package: ${p.byPackageInclusive
          .slice(0, 10)
          .map((x) => `${x.name} ${x.pct.toFixed(0)}%`)
          .join(", ")}.`,
      );
      if (name === "ingress" || name.startsWith("connector")) {
        out.push(
          `Switchyard functions, inclusive: ${p.ownInclusive
            .slice(0, 8)
            .map((f) => `\`${f.name}\` (${f.where.replace(/^(services|packages)\//, "")}) ${f.pct.toFixed(0)}%`)
            .join(", ")}.`,
        );
      }
    }
  }
  return `${out.join("\n\n")}\n`;
}

// CLI: re-render a result file, e.g. after the report's format changed.
//   node bench/dist/report.js bench/results/latest.json > report.md
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node bench/dist/report.js <result.json>");
    process.exit(2);
  }
  process.stdout.write(renderMarkdown(JSON.parse(readFileSync(file, "utf8")) as BenchResult));
}
