// Fails when packages/proto/src/gen does not match what buf generates from proto/ now.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ROOT } from "./bootstrap.mjs";

const work = mkdtempSync(join(tmpdir(), "switchyard-gen-"));
try {
  cpSync(join(ROOT, "proto"), join(work, "proto"), { recursive: true });
  const template = readFileSync(join(work, "proto", "buf.gen.yaml"), "utf8").replace(/out: .*/, `out: ${join(work, "gen")}`);
  writeFileSync(join(work, "proto", "buf.gen.yaml"), template);
  const bin = join(ROOT, "node_modules", ".bin");
  const result = spawnSync(join(bin, "buf"), ["generate"], {
    cwd: join(work, "proto"),
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    stdio: "inherit",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);

  const files = (dir) =>
    readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => statSync(join(dir, f)).isFile())
      .sort();
  const committed = join(ROOT, "packages", "proto", "src", "gen");
  const fresh = join(work, "gen");
  const stale = [...new Set([...files(committed), ...files(fresh)])].filter((f) => {
    try {
      return readFileSync(join(committed, f), "utf8") !== readFileSync(join(fresh, f), "utf8");
    } catch {
      return true;
    }
  });
  if (stale.length > 0) {
    console.error(
      `✖ generated code is stale: ${stale.map((f) => relative(ROOT, join(committed, f))).join(", ")}\n  run \`npm run generate\` and commit the result`,
    );
    process.exit(1);
  }
  console.log("✔ generated code matches proto/");
} finally {
  rmSync(work, { recursive: true, force: true });
}
