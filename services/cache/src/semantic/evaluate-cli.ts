// `npm run eval:semantic-cache`: precision and recall of the local embedder on the labelled pairs,
// at the configured default threshold and at the threshold the precision target would pick.
import { SemanticCacheSchema } from "@switchyard/config";
import { loadPairs, qualityAt, score, thresholdFor } from "./evaluate.js";
import { LocalEmbedder } from "./local-embedder.js";

const threshold = Number(process.argv[2] ?? SemanticCacheSchema.properties.threshold.default);
const embedder = LocalEmbedder.load();
const pairs = loadPairs();
const scored = score(embedder, pairs);
const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const line = (label: string, q: ReturnType<typeof qualityAt>) =>
  `${label.padEnd(28)} threshold ${q.threshold.toFixed(2)}  precision ${percent(q.precision)}  recall ${percent(q.recall)}  (${q.truePositives} right hits, ${q.falsePositives} wrong hits, ${q.falseNegatives} missed)`;

const same = pairs.filter((p) => p.same).length;
console.log(
  `${pairs.length} labelled pairs: ${same} paraphrases, ${pairs.length - same} look-alikes; embedder local (${embedder.dimensions}-d)`,
);
console.log(line("at the threshold", qualityAt(scored, threshold)));
console.log(line("lowest with precision ≥ 98%", thresholdFor(scored, 0.98)));
const kinds = [...new Set(pairs.map((p) => p.kind))].sort();
for (const kind of kinds) {
  const of = scored.filter((p) => p.kind === kind);
  const hits = of.filter((p) => p.similarity >= threshold).length;
  console.log(`  ${kind.padEnd(30)} ${String(hits).padStart(3)} of ${String(of.length).padStart(3)} hit`);
}
if (process.argv.includes("--wrong")) {
  for (const p of scored.filter((p) => p.similarity >= threshold !== p.same))
    console.log(`  ${p.same ? "missed" : "WRONG "} ${p.similarity.toFixed(3)}  ${p.a}  |  ${p.b}`);
}
