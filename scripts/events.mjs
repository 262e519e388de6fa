// `npm run events`: a live, readable tail of usage events (see services/logger/src/events-cli.ts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, ensureInstalled, ROOT } from "./bootstrap.mjs";

const cli = join(ROOT, "services", "logger", "dist", "events-cli.js");
if (!existsSync(cli)) {
  ensureInstalled();
  build();
}
await import(pathToFileURL(cli).href);
