// `npm run bench:semantic-cache [entries]`: the cost of one semantic lookup (embed the prompt,
// search the scope's index, check the facts of the candidates) with the local embedder, at
// 100,000 entries in one scope by default. The answer's Redis read on a hit is not included.
import { LocalEmbedder } from "./local-embedder.js";
import { SemanticIndex } from "./semantic-index.js";

const ENTRIES = Number(process.argv[2] ?? 100_000);
const LOOKUPS = 4_000;
const TEMPLATES = [
  "How do I",
  "Explain",
  "What is the best",
  "Write a short note about",
  "Compare",
  "Summarize the history of",
  "Give me tips on",
];

const embedder = LocalEmbedder.load();
let seed = 1;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const word = () => embedder.wordAt(200 + Math.floor(random() * 20_000)) ?? "word";
const promptOf = (i: number) => `${TEMPLATES[i % TEMPLATES.length]} ${word()} ${word()} ${word()} ${word()}?`;

const index = new SemanticIndex();
const prompts: string[] = [];
const building = performance.now();
for (let i = 0; i < ENTRIES; i++) {
  const prompt = promptOf(i);
  prompts.push(prompt);
  const { vector, facts } = embedder.embed(prompt);
  index.add(`k${i}`, "scope", vector, facts, Number.MAX_SAFE_INTEGER);
}
const buildMs = performance.now() - building;

// The build's garbage is collected first (with --expose-gc), so lookups are timed in the steady state.
(globalThis as { gc?: () => void }).gc?.();

// Half rephrase a stored prompt (hits), half ask something new (misses, the costlier search).
// Wall-clock time includes whatever else the machine runs meanwhile; the process's CPU time per
// lookup does not, so both are reported.
const wall: number[] = [];
const cpu: number[] = [];
let hits = 0;
for (let i = 0; i < LOOKUPS; i++) {
  const prompt = i % 2 === 0 ? `Please, ${(prompts[Math.floor(random() * prompts.length)] as string).toLowerCase()}` : promptOf(i);
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const found = index.matches("scope", embedder.embed(prompt), 0.92).next();
  wall.push(performance.now() - started);
  const used = process.cpuUsage(cpuStarted);
  cpu.push((used.user + used.system) / 1000);
  if (!found.done) hits++;
}
const at = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number).toFixed(3);
};
console.log(
  `semantic lookup at ${ENTRIES.toLocaleString("en")} entries (local embedder, ${embedder.dimensions}-d), ${LOOKUPS} lookups (${hits} hits): ` +
    `wall p50 ${at(wall, 0.5)} ms, p99 ${at(wall, 0.99)} ms; CPU p50 ${at(cpu, 0.5)} ms, p99 ${at(cpu, 0.99)} ms; index built in ${(buildMs / 1000).toFixed(1)} s`,
);
