import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { figuresSection, LATEST_PATH, README_PATH, renderFigures, withFigures } from "./readme-figures.js";
import type { BenchResult } from "./types.js";

it("bench/README.md shows the figures of results/latest.json (regenerate: node bench/dist/readme-figures.js)", () => {
  const latest = JSON.parse(readFileSync(LATEST_PATH, "utf8")) as BenchResult;
  const expected = renderFigures(latest).replace(/\n$/, "");
  assert.equal(figuresSection(readFileSync(README_PATH, "utf8")), expected);
  assert.match(expected, /\| full path added p50, one at a time \|/);
});

it("replaces only the text between the markers, and refuses a README without them", () => {
  const readme = "# Bench\n\n<!-- figures:start -->\nold\n<!-- figures:end -->\n\n## Next\n";
  assert.equal(withFigures(readme, "new\n"), "# Bench\n\n<!-- figures:start -->\nnew\n<!-- figures:end -->\n\n## Next\n");
  assert.equal(figuresSection(withFigures(readme, "a\n\nb\n")), "a\n\nb");
  assert.throws(() => withFigures("# Bench\n", "new\n"), /no <!-- figures:start -->/);
});
