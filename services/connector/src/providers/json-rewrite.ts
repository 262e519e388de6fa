// Changes a few top-level members of a JSON object without parsing or re-serializing the rest: the
// other members are copied as the bytes they were, so a body carrying a 1 MB base64 image is not
// serialized again only to change its `model`; string contents are skipped with Buffer.indexOf.
//
// The ingress validated the body before; anything the scan does not expect makes `rewriteTopLevel`
// answer undefined, and the caller parses and serializes the object instead.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const OPEN_BYTES = Buffer.from("{");
const COMMA_BYTES = Buffer.from(",");
const CLOSE_BYTES = Buffer.from("}");

const isSpace = (byte: number | undefined) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

function skipSpace(bytes: Buffer, at: number): number {
  while (isSpace(bytes[at])) at++;
  return at;
}

/** The index just past the string opening at `at`, or -1. */
function skipString(bytes: Buffer, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index just past the value starting at `at`, or -1. */
function skipValue(bytes: Buffer, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) return skipString(bytes, at);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (let i = at; i < bytes.length; ) {
      const byte = bytes[i]!;
      if (byte === QUOTE) {
        i = skipString(bytes, i);
        if (i < 0) return -1;
        continue;
      }
      if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
      else if ((byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) && --depth === 0) return i + 1;
      i++;
    }
    return -1;
  }
  // A number, true, false or null: up to what ends a member.
  let end = at;
  while (end < bytes.length && bytes[end] !== COMMA && bytes[end] !== CLOSE_OBJECT && !isSpace(bytes[end])) end++;
  return end > at ? end : -1;
}

export interface Member {
  key: string;
  /** Byte range of `"key": value`, and where the value starts. */
  start: number;
  valueStart: number;
  end: number;
}

/** The top-level members of the object in `bytes`, or undefined when it is not one. */
export function membersOf(bytes: Buffer): Member[] | undefined {
  let at = skipSpace(bytes, 0);
  if (bytes[at] !== OPEN_OBJECT) return undefined;
  at = skipSpace(bytes, at + 1);
  const members: Member[] = [];
  if (bytes[at] === CLOSE_OBJECT) return skipSpace(bytes, at + 1) === bytes.length ? members : undefined;
  for (;;) {
    if (bytes[at] !== QUOTE) return undefined;
    const keyEnd = skipString(bytes, at);
    if (keyEnd < 0) return undefined;
    const raw = bytes.toString("utf8", at + 1, keyEnd - 1);
    const key = raw.includes("\\") ? (JSON.parse(bytes.toString("utf8", at, keyEnd)) as string) : raw;
    let valueAt = skipSpace(bytes, keyEnd);
    if (bytes[valueAt] !== COLON) return undefined;
    valueAt = skipSpace(bytes, valueAt + 1);
    const valueEnd = skipValue(bytes, valueAt);
    if (valueEnd < 0) return undefined;
    members.push({ key, start: at, valueStart: valueAt, end: valueEnd });
    const next = skipSpace(bytes, valueEnd);
    if (bytes[next] === COMMA) {
      at = skipSpace(bytes, next + 1);
      continue;
    }
    if (bytes[next] === CLOSE_OBJECT && skipSpace(bytes, next + 1) === bytes.length) return members;
    return undefined;
  }
}

/**
 * The object in `bytes` with each member named in `changes` set to its value (undefined: removed).
 * A changed member keeps its place; a new one goes last. Undefined when `bytes` is not a JSON
 * object the scan understands, or names a top-level member twice: parsers disagree on which one
 * counts, and the serialized object sends upstream the one the gateway validated.
 */
export function rewriteTopLevel(bytes: Uint8Array, changes: Readonly<Record<string, unknown>>): Buffer | undefined {
  const buffer = asBuffer(bytes);
  const members = membersOf(buffer);
  return members && rewriteMembers(buffer, members, changes);
}

/** `rewriteTopLevel` for a body already scanned into `members`. */
export function rewriteMembers(buffer: Buffer, members: readonly Member[], changes: Readonly<Record<string, unknown>>): Buffer | undefined {
  const changed = (key: string, value: unknown) => Buffer.from(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  for (const member of members) {
    if (seen.has(member.key)) return undefined;
    seen.add(member.key);
    if (!Object.hasOwn(changes, member.key)) parts.push(buffer.subarray(member.start, member.end));
    else if (changes[member.key] !== undefined) parts.push(changed(member.key, changes[member.key]));
  }
  for (const [key, value] of Object.entries(changes)) {
    if (!seen.has(key) && value !== undefined) parts.push(changed(key, value));
  }
  const pieces: Buffer[] = [OPEN_BYTES];
  parts.forEach((part, index) => {
    if (index > 0) pieces.push(COMMA_BYTES);
    pieces.push(part);
  });
  pieces.push(CLOSE_BYTES);
  return Buffer.concat(pieces);
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
