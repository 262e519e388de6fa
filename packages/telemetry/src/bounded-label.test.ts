import assert from "node:assert/strict";
import { it } from "node:test";
import { BoundedLabel, OTHER_LABEL } from "./bounded-label.js";

it("keeps the first values it sees and puts later ones under other", () => {
  const label = new BoundedLabel(2);
  assert.deepEqual(
    ["a", "b", "c", "a", "b", "d"].map((v) => label.of(v)),
    ["a", "b", OTHER_LABEL, "a", "b", OTHER_LABEL],
  );
});
