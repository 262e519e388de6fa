import { formatHits, type PiiCounts, type PiiKind, redactPii, StreamRedactor } from "@switchyard/guardrails";
import { StreamChunk } from "../pipeline/answer-format.js";
import type { ChunkView } from "../pipeline/stream-assembler.js";

const decoder = new TextDecoder();

/**
 * Output guardrails on one answer: PII in the assistant's text, redacted (or only counted) in a
 * whole completion or chunk by chunk in a stream. `changed` tells the cache not to keep it.
 */
export class OutputFilter {
  readonly counts: PiiCounts = {};
  changed = false;
  private redactor: StreamRedactor | undefined;
  private last: ChunkView | undefined;

  constructor(
    private readonly kinds: readonly PiiKind[],
    private readonly redact: boolean,
  ) {}

  /** A whole chat.completion (JSON bytes), with PII in its messages redacted. */
  complete(completion: Uint8Array): Uint8Array {
    const parsed = JSON.parse(decoder.decode(completion)) as { choices?: { message?: { content?: unknown } }[] };
    let changed = false;
    for (const choice of parsed.choices ?? []) {
      const message = choice.message;
      if (!message || typeof message.content !== "string") continue;
      const result = redactPii(message.content, this.kinds);
      for (const [kind, n] of Object.entries(result.counts) as [PiiKind, number][]) this.counts[kind] = (this.counts[kind] ?? 0) + n;
      if (this.redact && result.text !== message.content) {
        message.content = result.text;
        changed = true;
      }
    }
    if (!changed) return completion;
    this.changed = true;
    return Buffer.from(JSON.stringify(parsed));
  }

  /** One streamed chunk, its first choice's text passed through the stream redactor. */
  chunk(chunk: StreamChunk): StreamChunk {
    const view = chunk.view;
    this.last = view;
    const choice = view.choices?.[0];
    if (choice?.index !== 0) return chunk;
    this.redactor ??= new StreamRedactor(this.kinds);
    const text = typeof choice.delta?.content === "string" ? choice.delta.content : "";
    let out = text ? this.redactor.push(text) : "";
    // The stream's last text comes with its finish reason: release what was held back.
    if (choice.finish_reason) out += this.redactor.flush();
    this.noteCounts();
    if (!this.redact) return chunk;
    if (out === text) return chunk;
    this.changed = true;
    const rewritten: ChunkView = {
      ...view,
      choices: [{ ...choice, delta: { ...choice.delta, content: out } }, ...(view.choices?.slice(1) ?? [])],
    };
    return new StreamChunk(Buffer.from(JSON.stringify(rewritten)), rewritten);
  }

  /** Text still held when a stream ended without a finish reason, as a last chunk; undefined when none. */
  end(): StreamChunk | undefined {
    if (!this.redactor || this.redactor.holding === 0) return undefined;
    const text = this.redactor.flush();
    this.noteCounts();
    if (!this.redact || !this.last) return undefined;
    const view: ChunkView = { ...this.last, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] };
    return new StreamChunk(Buffer.from(JSON.stringify(view)), view);
  }

  private noteCounts(): void {
    if (!this.redactor) return;
    Object.assign(this.counts, this.redactor.counts);
  }
}

/** Adds the output filter's hits to the request's guardrail report; returns the new report (for the header). */
export function noteOutputHits(record: { guardrails: string }, output: OutputFilter | undefined): string | undefined {
  if (!output || Object.keys(output.counts).length === 0) return undefined;
  const hits = formatHits({}, [], output.counts);
  record.guardrails = record.guardrails ? `${record.guardrails}; ${hits}` : hits;
  return record.guardrails;
}
