import { addCounts, countOf, findPii, type PiiCounts, type PiiKind, partialTail, replaceMatches } from "./pii.js";

/**
 * Redacts personal data from text that arrives in pieces (a streamed answer), where a match may
 * span pieces. Each `push` returns what is safe to send now; it holds back only the tail that may
 * still become or extend a match (none after plain words), and `flush` releases it at the end.
 */
export class StreamRedactor {
  private held = "";
  /** The last character sent, so a match's boundary check sees what came before the held text. */
  private before = "";
  readonly counts: PiiCounts = {};

  constructor(private readonly kinds: readonly PiiKind[]) {}

  push(text: string): string {
    const buffer = this.before + this.held + text;
    const offset = this.before.length;
    let cut = buffer.length - partialTail(buffer, this.kinds);
    const matches = findPii(buffer, this.kinds).filter((m) => m.end > offset);
    for (const m of matches) {
      // A match reaching into the held tail may still grow: hold it whole.
      if (m.start < cut && m.end > cut) cut = m.start;
      else if (m.end === buffer.length && m.start < cut) cut = m.start;
    }
    cut = Math.max(cut, offset);
    const sent = matches.filter((m) => m.end <= cut);
    addCounts(this.counts, countOf(sent));
    const out = replaceMatches(buffer, sent, offset, cut);
    this.held = buffer.slice(cut);
    if (cut > offset) this.before = buffer.slice(cut - 1, cut);
    return out;
  }

  /** The held tail, redacted: call once the stream has ended. */
  flush(): string {
    const buffer = this.before + this.held;
    const offset = this.before.length;
    const matches = findPii(buffer, this.kinds).filter((m) => m.start >= offset);
    addCounts(this.counts, countOf(matches));
    this.held = "";
    return replaceMatches(buffer, matches, offset);
  }

  /** Characters held back now (for tests and the bound on latency). */
  get holding(): number {
    return this.held.length;
  }
}
