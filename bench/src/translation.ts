// `npm run bench:translation`: times each provider kind's pure translations (no I/O) and prints a
// table: a ~1 KB chat body to the provider's request, a recorded ~1 KB answer to a completion,
// and a recorded stream per provider event. Targets: < 50 µs per request, < 10 µs per chunk.

import type { ChatRequestJson, TranslationSample } from "@switchyard/connector";
import { translationSamples } from "@switchyard/connector";

/** How long each measurement runs; long enough for a steady figure, short enough for a laptop. */
const RUN_MS = Number(process.env.BENCH_TRANSLATION_MS ?? 300);
const REQUEST_TARGET_US = 50;
const CHUNK_TARGET_US = 10;

/** A chat body of about 1 KB: a system prompt, a short exchange, one tool, a few sampling fields. */
export function chatBody(): ChatRequestJson {
  return {
    model: "public-model",
    messages: [
      { role: "system", content: "You are a travel assistant for a rail operator. Answer briefly and name platforms and times exactly." },
      { role: "user", content: "Which platform does the night train to Vienna leave from, and when does boarding open?" },
      { role: "assistant", content: "The night train to Vienna leaves from platform 7 at 22:40; boarding opens at 22:20." },
      { role: "user", content: "Is there a dining car, and can I bring a bicycle on board? I also need a lower berth if possible." },
    ],
    tools: [
      {
        type: "function",
        function: {
          name: "lookup_train",
          description: "Looks up a train's facilities by its number or destination",
          parameters: {
            type: "object",
            properties: { destination: { type: "string" }, facility: { type: "string", enum: ["dining", "bicycle", "berth"] } },
            required: ["destination"],
          },
        },
      },
    ],
    temperature: 0.3,
    top_p: 0.9,
    max_tokens: 300,
    stop: ["\n\nUser:"],
    user: "traveller-42",
  };
}

/** Mean microseconds per call of `run`, each call counting `units` (events for a stream). */
function time(run: () => number): number {
  for (let i = 0; i < 200; i++) run(); // warm-up: let the JIT settle
  let units = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(RUN_MS) * 1_000_000n;
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < 100; i++) units += run();
    now = process.hrtime.bigint();
  }
  return Number(now - started) / 1000 / units;
}

export function measure(sample: TranslationSample): { kind: string; requestUs: number; responseUs: number; eventUs: number } {
  const body = chatBody();
  return {
    kind: sample.kind,
    requestUs: time(() => (sample.request(body, "upstream-model"), 1)),
    responseUs: time(() => (sample.response(), 1)),
    eventUs: time(() => sample.stream()),
  };
}

function main(): void {
  const bytes = Buffer.byteLength(JSON.stringify(chatBody()));
  console.log(
    `translation per kind (${bytes}-byte chat body, ${RUN_MS} ms per figure; targets < ${REQUEST_TARGET_US} µs per request, < ${CHUNK_TARGET_US} µs per chunk)\n`,
  );
  const rows = [["kind", "request µs", "response µs", "stream µs/event", "targets"]];
  for (const sample of translationSamples) {
    const { kind, requestUs, responseUs, eventUs } = measure(sample);
    const met = requestUs < REQUEST_TARGET_US && eventUs < CHUNK_TARGET_US ? "met" : "MISSED";
    rows.push([kind, requestUs.toFixed(2), responseUs.toFixed(2), eventUs.toFixed(2), met]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows)
    console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  "));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
