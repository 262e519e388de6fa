// `npm run chaos [-- --rate 50 --phase-s 6]`: install and build if needed, then run the bounded chaos
// run (bench/dist/chaos.js): steady load while each service in turn is killed and comes back.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { build, ensureInstalled, ROOT } from "./bootstrap.mjs";

ensureInstalled();
await build();

const result = spawnSync(process.execPath, [join(ROOT, "bench", "dist", "chaos.js"), ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
