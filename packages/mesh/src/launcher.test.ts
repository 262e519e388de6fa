import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { MESH_SERVICES, REPO_ROOT } from "./launcher.js";

it("names every service under services/, and nothing else", () => {
  const folders = readdirSync(join(REPO_ROOT, "services"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  assert.deepEqual([...MESH_SERVICES].sort(), folders.sort());
});
