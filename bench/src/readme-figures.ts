// The "Current figures" section of bench/README.md, rendered from a result file (latest.json) so the
// README never quotes figures that no run produced. `npm run bench` rewrites it after every run;
// a unit test holds the committed README to the committed latest.json.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { floorShareText, gatewayCpu, int, ms, signed, table } from "./report.js";
import type { BenchResult, Measured } from "./types.js";

export const FIGURES_START = "<!-- figures:start -->";
export const FIGURES_END = "<!-- figures:end -->";

const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const README_PATH = join(BENCH_DIR, "README.md");
export const LATEST_PATH = join(BENCH_DIR, "results", "latest.json");

/** The figures a reader needs first: the targets, each path one at a time and at saturation, the token relay. */
export function renderFigures(r: BenchResult): string {
  const m = r.meta;
  const out: string[] = [];
  out.push(
    `${m.quick ? "Quick" : "Full"} run of ${m.startedAt.slice(0, 16).replace("T", " ")} UTC${m.commit ? `, commit ${m.commit}` : ""}, ` +
      `${m.machine.cpus} × ${m.machine.cpuModel}, Node ${m.machine.node}. Latencies in ms. The whole report: [results/latest.md](results/latest.md).`,
  );
  out.push(
    table(
      ["target", "goal", "measured", ""],
      ["l", "r", "r", "l"],
      r.targets.map((t) => [t.name, t.target, t.measured, t.pass === undefined ? "–" : t.pass ? "✅" : "❌"]),
    ),
  );
  const floorShare = floorShareText(m.protocolFloor, r.overhead.full?.serial);
  if (floorShare) out.push(floorShare);

  const rows = Object.values(r.paths).map((path) => {
    const serial = path.serial;
    const base = path.baseline ? r.paths[path.baseline]?.serial : undefined;
    const metric = path.stream ? "ttft" : "latency";
    const a = serial?.[metric];
    const b = base?.[metric];
    const added = a && b ? `${signed(a.p50 - b.p50)} / ${signed(a.p99 - b.p99)}` : "–";
    const sat = path.saturation;
    return [
      path.name,
      serial ? `${ms(serial.latency.p50)} / ${ms(serial.latency.p99)}` : "–",
      added,
      sat ? int(sat.achievedRps) : "–",
      sat && path.target === "gateway" ? int(gatewayCpu(sat)) : "–",
    ];
  });
  if (rows.length > 0) {
    out.push(
      table(
        ["path", "one at a time p50 / p99", "added p50 / p99 (streams: TTFT)", "saturation req/s", "gateway CPU µs/req at saturation"],
        ["l", "r", "r", "r", "r"],
        rows,
      ),
    );
  }

  const relay = r.tokenRelay;
  if (relay) {
    const perChunk = (run: Measured, service: string) =>
      Object.entries(run.cpuUsPerRequest)
        .filter(([n]) => n === service || n.startsWith(`${service}-`))
        .reduce((a, [, v]) => a + v, 0) / relay.chunks;
    out.push(
      `Token relay (${relay.rate} streams/s of ${relay.chunks} chunks, one every ${relay.gapMs} ms): ` +
        `ingress ${perChunk(relay.gateway, "ingress").toFixed(1)} and connector ${perChunk(relay.gateway, "connector").toFixed(1)} µs of CPU per chunk, ` +
        `${(gatewayCpu(relay.gateway) / relay.chunks).toFixed(1)} µs across the gateway (usage pipeline, NATS and Redis included).`,
    );
  }
  return `${out.join("\n\n")}\n`;
}

/** The text between the figure markers, without the newlines that frame it. */
export function figuresSection(readme: string): string {
  const start = readme.indexOf(FIGURES_START);
  const end = readme.indexOf(FIGURES_END);
  if (start < 0 || end < start) throw new Error(`the README has no ${FIGURES_START} … ${FIGURES_END} section`);
  return readme
    .slice(start + FIGURES_START.length, end)
    .replace(/^\n/, "")
    .replace(/\n$/, "");
}

/** `readme` with the section between the markers replaced by `figures`. */
export function withFigures(readme: string, figures: string): string {
  figuresSection(readme); // throws when the markers are missing
  const start = readme.indexOf(FIGURES_START) + FIGURES_START.length;
  const end = readme.indexOf(FIGURES_END);
  return `${readme.slice(0, start)}\n${figures.replace(/\n$/, "")}\n${readme.slice(end)}`;
}

/** Rewrites the README's figures from a result file; returns whether the README changed. */
export function updateReadmeFigures(resultPath = LATEST_PATH, readmePath = README_PATH): boolean {
  const result = JSON.parse(readFileSync(resultPath, "utf8")) as BenchResult;
  const readme = readFileSync(readmePath, "utf8");
  const next = withFigures(readme, renderFigures(result));
  if (next === readme) return false;
  writeFileSync(readmePath, next);
  return true;
}

// CLI: node bench/dist/readme-figures.js [result.json]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const changed = updateReadmeFigures(process.argv[2] ?? LATEST_PATH);
  console.log(changed ? `updated the figures in ${README_PATH}` : `${README_PATH} already shows these figures`);
}
