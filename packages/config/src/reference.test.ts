import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Type as T } from "@sinclair/typebox";
import {
  configReferenceOf,
  configReferenceRows,
  REFERENCE_END,
  REFERENCE_START,
  renderConfigReference,
  withConfigReference,
} from "./reference.js";

describe("configuration reference", () => {
  it("is what README.md shows between its markers", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const shown = configReferenceOf(readme);
    assert.ok(shown !== undefined, `README.md lacks the ${REFERENCE_START} … ${REFERENCE_END} markers`);
    assert.equal(shown, renderConfigReference(), "README.md's configuration reference differs from the schema: run `npm run docs:config`");
  });

  it("lists nested fields by path with their type, default and description", () => {
    const rows = configReferenceRows();
    assert.deepEqual(
      rows.find((r) => r.path === "models.<name>.timeout_ms"),
      {
        path: "models.<name>.timeout_ms",
        type: "integer ≥ 1",
        default: "`60000`",
        description: "the whole request's budget across attempts",
      },
    );
    assert.equal(rows.find((r) => r.path === "keys[].name")?.default, "required");
    assert.equal(
      rows.find((r) => r.path === "providers.<name>.kind")?.type,
      "`mock`, `openai`, `azure`, `anthropic`, `gemini` or `bedrock`",
    );
  });

  it("merges the variants of a tagged union, names the variants of a field not all have, and escapes pipes", () => {
    const schema = T.Object({
      p: T.Union([
        T.Object({ kind: T.Literal("a", { description: "the kind" }), x: T.Optional(T.String({ description: "a|b" })) }),
        T.Object({ kind: T.Literal("b"), y: T.Integer({ minimum: 0, default: 2 }) }),
      ]),
    });
    assert.deepEqual(
      configReferenceRows(schema).map((r) => [r.path, r.type, r.default]),
      [
        ["p", "object", "required"],
        ["p.kind", "`a` or `b`", "required"],
        ["p.x", "string", ""],
        ["p.y", "integer ≥ 0", "`2`"],
      ],
    );
    assert.match(renderConfigReference(schema), /\| `a` only: a\\\|b \|$/m);
    assert.match(renderConfigReference(schema), /\| `b` only \|$/m);
  });

  it("replaces only the text between the markers", () => {
    const readme = `intro\n${REFERENCE_START}\nold\n${REFERENCE_END}\noutro\n`;
    assert.equal(withConfigReference(readme, "| new |"), `intro\n${REFERENCE_START}\n\n| new |\n\n${REFERENCE_END}\noutro\n`);
    assert.throws(() => withConfigReference("no markers", "| new |"), /lacks the/);
  });
});
