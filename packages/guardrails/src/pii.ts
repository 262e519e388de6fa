/** Kinds of personal data found, each replaced by its placeholder (`[EMAIL]`) when redacted. */
export const PII_KINDS = ["email", "phone", "credit_card", "iban", "us_ssn", "ip_address", "api_key", "jwt"] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
}

export type PiiCounts = Partial<Record<PiiKind, number>>;

const placeholders = Object.fromEntries(PII_KINDS.map((k) => [k, `[${k.toUpperCase()}]`])) as Record<PiiKind, string>;

export function placeholderOf(kind: PiiKind): string {
  return placeholders[kind];
}

// One pattern with a named group per kind, so a text is scanned once whatever the kinds; the most
// specific kinds come first, since the first alternative that matches at a position wins. Each
// kind's match is then checked (Luhn, mod 97, ranges) before it counts.
const SOURCES: Record<PiiKind, string> = {
  jwt: String.raw`(?<jwt>\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})`,
  api_key: String.raw`(?<api_key>\b(?:sk-(?:proj-|ant-|sy-)?[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}))`,
  email: String.raw`(?<email>\b[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}\b)`,
  iban: String.raw`(?<iban>\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b)`,
  credit_card: String.raw`(?<credit_card>(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-]))`,
  us_ssn: String.raw`(?<us_ssn>(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-]))`,
  ip_address: String.raw`(?<ip_address>(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]))`,
  phone: String.raw`(?<phone>(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]?\d{3,4}(?![\w-]))`,
};

/** Longest text each kind matches: what a stream must hold back at most while one may be forming. */
export const PII_MAX_LENGTH: Record<PiiKind, number> = {
  jwt: Number.POSITIVE_INFINITY,
  api_key: Number.POSITIVE_INFINITY,
  email: 64 + 1 + 8 * 64 + 24,
  iban: 42,
  credit_card: 37,
  us_ssn: 11,
  ip_address: 15,
  phone: 26,
};

// Anchored at the end: the part of a text's tail that may still become (or grow) a match of the
// kind once more text arrives. A stream holds back only that much.
const PARTIAL_SOURCES: Record<PiiKind, string> = {
  jwt: String.raw`\be(?:y(?:J[A-Za-z0-9_.-]*)?)?$`,
  api_key: String.raw`\b(?:s(?:k(?:-[A-Za-z0-9_-]*)?)?|A(?:K(?:I(?:A[0-9A-Z]*)?)?|I(?:za[0-9A-Za-z_-]*)?)?|g(?:h(?:[pousr](?:_[A-Za-z0-9]*)?)?)?|x(?:o(?:x(?:[abposr](?:-[A-Za-z0-9-]*)?)?)?)?)$`,
  email: "[A-Za-z0-9._%+-]+(?:@[A-Za-z0-9.-]*)?$",
  iban: String.raw`\b[A-Z](?:[A-Z](?:\d(?:\d(?: ?[A-Z0-9])*)?)?)? ?$`,
  credit_card: String.raw`\d(?:[ -]?\d)*[ -]?$`,
  us_ssn: String.raw`\d[\d-]*$`,
  ip_address: String.raw`\d[\d.]*$`,
  phone: String.raw`(?:\+|\(|\d)[\d ().-]*$`,
};

interface Compiled {
  scan: RegExp;
  kinds: PiiKind[];
  partials: RegExp[];
  maxLength: number;
}

const compiledByKinds = new Map<string, Compiled>();

function compile(kinds: readonly PiiKind[]): Compiled {
  const id = [...kinds].sort().join(",");
  let compiled = compiledByKinds.get(id);
  if (!compiled) {
    const ordered = (Object.keys(SOURCES) as PiiKind[]).filter((k) => kinds.includes(k));
    compiled = {
      scan: new RegExp(ordered.map((k) => SOURCES[k]).join("|"), "g"),
      kinds: ordered,
      partials: ordered.map((k) => new RegExp(PARTIAL_SOURCES[k])),
      maxLength: Math.max(0, ...ordered.map((k) => PII_MAX_LENGTH[k])),
    };
    compiledByKinds.set(id, compiled);
  }
  return compiled;
}

/** Every piece of personal data of these kinds in `text`, in order, not overlapping. */
export function findPii(text: string, kinds: readonly PiiKind[] = PII_KINDS): PiiMatch[] {
  const matches: PiiMatch[] = [];
  if (kinds.length === 0 || text.length < 7) return matches;
  const { scan, kinds: ordered } = compile(kinds);
  scan.lastIndex = 0;
  for (let m = scan.exec(text); m !== null; m = scan.exec(text)) {
    const groups = m.groups!;
    for (const kind of ordered) {
      const value = groups[kind];
      if (value === undefined) continue;
      if (valid(kind, value)) matches.push({ kind, start: m.index, end: m.index + value.length });
      break;
    }
  }
  return matches;
}

/** `text` with each match replaced by its placeholder, and how many of each kind there were. */
export function redactPii(text: string, kinds: readonly PiiKind[] = PII_KINDS): { text: string; counts: PiiCounts } {
  const matches = findPii(text, kinds);
  return { text: matches.length === 0 ? text : replaceMatches(text, matches), counts: countOf(matches) };
}

export function replaceMatches(text: string, matches: readonly PiiMatch[], from = 0, to = text.length): string {
  let out = "";
  let at = from;
  for (const match of matches) {
    if (match.start < from || match.end > to) continue;
    out += text.slice(at, match.start) + placeholders[match.kind];
    at = match.end;
  }
  return out + text.slice(at, to);
}

export function countOf(matches: readonly PiiMatch[]): PiiCounts {
  const counts: PiiCounts = {};
  for (const match of matches) counts[match.kind] = (counts[match.kind] ?? 0) + 1;
  return counts;
}

export function addCounts(into: PiiCounts, more: PiiCounts): PiiCounts {
  for (const [kind, count] of Object.entries(more) as [PiiKind, number][]) into[kind] = (into[kind] ?? 0) + count;
  return into;
}

/** How many characters at the end of `text` may still become part of a match. */
export function partialTail(text: string, kinds: readonly PiiKind[]): number {
  const { partials, kinds: ordered } = compile(kinds);
  let hold = 0;
  partials.forEach((partial, i) => {
    const m = partial.exec(text);
    if (m) hold = Math.max(hold, Math.min(m[0].length, PII_MAX_LENGTH[ordered[i]!] - 1));
  });
  return hold;
}

function valid(kind: PiiKind, value: string): boolean {
  switch (kind) {
    case "credit_card":
      return luhn(value);
    case "iban":
      return ibanChecksum(value);
    case "us_ssn": {
      const [area, group, serial] = value.split("-") as [string, string, string];
      return area !== "000" && area !== "666" && area[0] !== "9" && group !== "00" && serial !== "0000";
    }
    case "phone": {
      const digits = value.replace(/\D/g, "").length;
      return digits >= 10 && digits <= 15;
    }
    default:
      return true;
  }
}

/** The Luhn check digit test, over the digits only. */
export function luhn(value: string): boolean {
  let sum = 0;
  let digits = 0;
  for (let i = value.length - 1; i >= 0; i--) {
    const code = value.charCodeAt(i) - 48;
    if (code < 0 || code > 9) continue;
    let d = code;
    if (digits % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    digits++;
  }
  return digits >= 13 && digits <= 19 && sum % 10 === 0;
}

/** ISO 13616: the country and check digits moved to the end, letters as numbers, mod 97 is 1. */
export function ibanChecksum(value: string): boolean {
  const compact = value.replace(/ /g, "");
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const n = code >= 65 ? code - 55 : code - 48;
    remainder = n >= 10 ? (remainder * 100 + n) % 97 : (remainder * 10 + n) % 97;
  }
  return remainder === 1;
}
