import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VectorIndex } from "./vector-index.js";

/** A unit vector from a seed, reproducibly. */
function unit(seed: number, dimensions = 16): Float32Array {
  const v = new Float32Array(dimensions);
  let x = Math.imul(seed, 2654435761) >>> 0;
  for (let i = 0; i < dimensions; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    v[i] = (x / 2 ** 32) * 2 - 1;
  }
  const norm = Math.hypot(...v);
  return v.map((c) => c / norm);
}

describe("VectorIndex", () => {
  it("finds the nearest exactly while small, and forgets removed vectors", () => {
    const index = new VectorIndex(16);
    for (let i = 1; i <= 50; i++) index.add(i, unit(i));
    assert.equal(index.nearest(unit(7), 1)[0]?.label, 7);
    assert.ok(Math.abs((index.nearest(unit(7), 1)[0]?.similarity ?? 0) - 1) < 1e-5);
    index.remove(7);
    assert.notEqual(index.nearest(unit(7), 1)[0]?.label, 7);
    assert.equal(index.size, 49);
  });

  it("switches to a graph when it grows, still finding each vector, and reuses deleted slots", () => {
    const index = new VectorIndex(16);
    for (let i = 1; i <= 3_000; i++) index.add(i, unit(i));
    for (const probe of [1, 1_500, 3_000]) assert.equal(index.nearest(unit(probe), 3)[0]?.label, probe);
    for (let i = 1; i <= 1_000; i++) index.remove(i);
    for (let i = 3_001; i <= 4_000; i++) index.add(i, unit(i));
    assert.equal(index.size, 3_000);
    assert.equal(index.nearest(unit(3_500), 3)[0]?.label, 3_500);
    assert.ok(!index.nearest(unit(10), 5).some((n) => n.label <= 1_000), "removed vectors are never found");
  });
});
