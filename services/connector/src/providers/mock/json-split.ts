const STRUCTURAL = new Set(["{", "}", "[", "]", ":", ","]);
const isSpace = (ch: string) => /\s/.test(ch);

/**
 * Splits JSON text into stream pieces along its tokens: each structural character, each literal,
 * and each string (a string is cut after every run of spaces in it). Whitespace stays with the
 * piece before it (leading whitespace with the first), so joining the pieces gives the text back.
 * Pieces never end inside an escape sequence or a surrogate pair. Text that is not valid JSON
 * (an answer cut short) is split the same way as far as it goes.
 *
 *     {"echo":"hello world"}  →  {  "echo"  :  "hello   world"  }
 */
export function splitJson(text: string): string[] {
  const pieces: string[] = [];
  let piece = "";
  let inString = false;
  let escaped = false;
  /** The next token starts a new piece. */
  let cut = false;
  const flush = () => {
    if (piece !== "") pieces.push(piece);
    piece = "";
    cut = false;
  };
  for (const ch of text) {
    if (inString) {
      if (escaped) {
        piece += ch;
        escaped = false;
        continue;
      }
      if (isSpace(ch)) {
        piece += ch;
        cut = true;
        continue;
      }
      if (cut) flush();
      piece += ch;
      if (ch === "\\") escaped = true;
      else if (ch === '"') {
        inString = false;
        cut = true;
      }
      continue;
    }
    if (isSpace(ch)) {
      piece += ch;
      continue;
    }
    const structural = STRUCTURAL.has(ch);
    if ((cut || structural || ch === '"') && piece.trim() !== "") flush();
    piece += ch;
    if (ch === '"') inString = true;
    cut = structural;
  }
  flush();
  return pieces;
}

/**
 * Joins consecutive pieces into at most `count` fragments, as even in pieces as they divide
 * (earlier fragments take the extra ones): 5 pieces into 3 fragments are 2 + 2 + 1.
 */
export function groupPieces(pieces: readonly string[], count: number): string[] {
  const groups = Math.max(1, Math.min(count, pieces.length));
  const fragments: string[] = [];
  let start = 0;
  for (let g = 0; g < groups && start < pieces.length; g++) {
    const size = Math.ceil((pieces.length - start) / (groups - g));
    fragments.push(pieces.slice(start, start + size).join(""));
    start += size;
  }
  return fragments;
}
