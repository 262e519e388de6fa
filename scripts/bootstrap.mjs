// Makes a fresh clone runnable: installs dependencies when missing or stale, then builds.
// Plain Node with no dependencies, so it can run before `npm ci`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit", ...options });
  if (result.status !== 0) {
    console.error(`\n✖ ${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

function needsInstall() {
  const marker = join(ROOT, "node_modules", ".package-lock.json");
  if (!existsSync(marker)) return true;
  return statSync(join(ROOT, "package-lock.json")).mtimeMs > statSync(marker).mtimeMs;
}

export function ensureInstalled() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.error(`Switchyard needs Node.js 20.19 or newer; this is ${process.version}.`);
    process.exit(1);
  }
  if (needsInstall()) {
    console.log("› installing dependencies (npm ci)…");
    run("npm", ["ci", "--no-audit", "--no-fund"]);
  }
}

export function lint() {
  console.log("› checking lint and formatting (biome check)…");
  run(join(ROOT, "node_modules", ".bin", "biome"), ["check", "--no-errors-on-unmatched"]);
}

/**
 * Builds with turbo, showing each package as it starts building (a fresh clone takes minutes) and
 * any compiler errors; turbo's per-task command echo is left out.
 */
export async function build() {
  console.log("› building (turbo run build)…");
  const started = Date.now();
  const child = spawn(join(ROOT, "node_modules", ".bin", "turbo"), ["run", "build", "--output-logs=new-only"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", TURBO_NO_UPDATE_NOTIFIER: "1", FORCE_COLOR: "0" },
  });
  let summary = "";
  const show = (raw) => {
    const line = stripVTControlCharacters(raw);
    const task = /^(\S+):(\w+): (.*)$/.exec(line);
    if (task) {
      const [, pkg, name, text] = task;
      if (/^cache (miss|bypass)/.test(text)) console.log(`  · ${name === "build" ? "building" : name} ${pkg}`);
      else if (text.trim() !== "" && !/^(> |cache hit)/.test(text)) console.log(`  ${pkg}: ${text}`);
      return;
    }
    const tasks = /^\s*Tasks:\s+(\d+) successful/.exec(line);
    const cached = /^\s*Cached:\s+(\d+) cached/.exec(line);
    if (tasks) summary = `${tasks[1]} tasks`;
    else if (cached) summary += `, ${cached[1]} from cache`;
    else if (/Running build in/.test(line)) console.log(`  ${line.replace(/^\W+/, "")}`);
    else if (/error|failed/i.test(line) && !/Packages in scope/.test(line)) console.log(`  ${line.trim()}`);
  };
  createInterface({ input: child.stdout }).on("line", show);
  createInterface({ input: child.stderr }).on("line", show);
  const code = await new Promise((resolve) => child.once("close", (status, signal) => resolve(status ?? signal)));
  if (code !== 0) {
    console.error(`\n✖ turbo run build failed (exit ${code})`);
    process.exit(typeof code === "number" ? code : 1);
  }
  console.log(`  built in ${((Date.now() - started) / 1000).toFixed(1)} s${summary ? ` (${summary})` : ""}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureInstalled();
}
