// Makes a fresh clone runnable: installs dependencies when missing or stale, then builds.
// Plain Node with no dependencies, so it can run before `npm ci`.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
  // Lint only while parallel branches land unformatted; the tree is formatted once they are in.
  console.log("› checking lint (biome lint)…");
  run(join(ROOT, "node_modules", ".bin", "biome"), ["lint", "--no-errors-on-unmatched"]);
}

export function build() {
  console.log("› building (turbo run build)…");
  run(join(ROOT, "node_modules", ".bin", "turbo"), ["run", "build", "--output-logs=errors-only"], {
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", TURBO_NO_UPDATE_NOTIFIER: "1" },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureInstalled();
}
