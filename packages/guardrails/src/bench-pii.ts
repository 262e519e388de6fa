// `npm run bench -w @switchyard/guardrails`: time to scan (and redact) a 1 KB prompt for every PII
// kind, median of several rounds. Not a test: the figure depends on the machine.
import { PII_KINDS, redactPii } from "./pii.js";

const words = "the quick brown fox jumps over a lazy dog while we plan the quarterly report for our team ".repeat(12);
const prompts = {
  "1 KB, no PII": words.slice(0, 1024),
  "1 KB, 3 matches": `${words.slice(0, 1024 - 60)} mail jane@example.com card 4111 1111 1111 1111 ip 10.0.0.1 ok`.padEnd(1024, "."),
};
for (const [name, text] of Object.entries(prompts)) {
  for (let i = 0; i < 20_000; i++) redactPii(text, PII_KINDS); // warm up the JIT and the regexp
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const n = 20_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) redactPii(text, PII_KINDS);
    rounds.push(Number(process.hrtime.bigint() - start) / n / 1000);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name} (${text.length} chars): ${rounds[3]!.toFixed(2)} µs per scan (median of 7 rounds; min ${rounds[0]!.toFixed(2)})`);
}
