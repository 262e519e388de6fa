// `npm test`: install if needed, check generated code, lint and check formatting (Biome), build
// (type-check included), then run the unit tests beside the code and the end-to-end tests in test/
// (which start their own NATS and Redis and the real mesh).

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { build, ensureInstalled, lint, ROOT, run } from "./bootstrap.mjs";

ensureInstalled();
run(process.execPath, [join(ROOT, "scripts", "check-generated.mjs")]);
lint();
await build();

const unitDirs = ["packages", "services"]
  .flatMap((group) => readdirSync(join(ROOT, group)).map((name) => join(group, name, "dist")))
  .concat("bench/dist")
  .filter((dir) => existsSync(join(ROOT, dir)));
const only = process.argv.slice(2);
const testArgs = only.length > 0 ? only : [...unitDirs, "test/dist"];
console.log("› running tests…");
run(process.execPath, ["--test", "--test-concurrency=1", "--test-timeout=120000", ...testArgs]);
