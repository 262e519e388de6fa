// `npm run bench:translation`: install and build if needed, then time each provider kind's
// request/response/stream translations (bench/dist/translation.js). Takes a few seconds.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { build, ensureInstalled, ROOT } from "./bootstrap.mjs";

ensureInstalled();
await build();

const result = spawnSync(process.execPath, [join(ROOT, "bench", "dist", "translation.js")], { cwd: ROOT, stdio: "inherit" });
process.exit(result.status ?? 1);
