// `npm run bench [-- --quick]`: install and build if needed, then run the compiled benchmark
// (bench/dist/main.js), passing the arguments through. See bench/README.md.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { build, ensureInstalled, ROOT } from "./bootstrap.mjs";

ensureInstalled();
await build();

const result = spawnSync(process.execPath, [join(ROOT, "bench", "dist", "main.js"), ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
