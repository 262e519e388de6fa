// `npm run docs:config`: rewrites README.md's configuration reference from the schema.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderConfigReference, withConfigReference } from "./reference.js";

const readme = fileURLToPath(new URL("../../../README.md", import.meta.url));
const before = readFileSync(readme, "utf8");
const after = withConfigReference(before, renderConfigReference());
if (after === before) {
  console.log("README.md's configuration reference is up to date");
} else {
  writeFileSync(readme, after);
  console.log("README.md's configuration reference rewritten from the schema");
}
