import { randomBytes } from "node:crypto";

/** One server-sent event: the `event:` line and the JSON written on the `data:` line. */
export interface SseEvent<T extends object = object> {
  event: string;
  data: T;
}

/** `event: <name>\ndata: <json>\n\n`, the framing both Anthropic and the Responses API use. */
export function encodeSseEvent(event: SseEvent): string {
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** Events with their data serialised, ready for an SSE writer (`{event, data}` frames). */
export function serializeEvents(events: readonly SseEvent[]): { event: string; data: string }[] {
  return events.map((e) => ({ event: e.event, data: JSON.stringify(e.data) }));
}

/**
 * The key under which a stream translator tracks a tool-call fragment: its `index`; for a
 * provider that omits the index, a new key when the fragment brings an id not seen before,
 * else the most recent call's key.
 */
export function toolCallKey(call: { index?: number; id?: string }, known: ReadonlyMap<number, { id: string | undefined }>): number {
  if (typeof call.index === "number") return call.index;
  const keys = [...known.keys()];
  const last = keys.at(-1);
  if (last === undefined) return 0;
  if (call.id && ![...known.values()].some((state) => state.id === call.id)) return Math.max(...keys) + 1;
  return last;
}

/** A request field that is missing, of the wrong type or of an unaccepted value. */
export interface ValidationIssue {
  /** Where, in the API's own notation: `messages.0.content` (Anthropic), `input[0].content` (OpenAI). */
  param: string;
  /** One readable sentence naming the field, in the API's own style. */
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; error: ValidationIssue };

export type Path = readonly (string | number)[];

type Problem =
  | { kind: "missing" }
  | { kind: "type"; expected: string; got: unknown }
  | { kind: "value"; detail: string };

/** Thrown inside a validator; `runValidation` turns the first one into a `ValidationIssue`. */
export class Invalid extends Error {
  constructor(
    readonly path: Path,
    readonly problem: Problem,
  ) {
    super("invalid request field");
  }
}

/** How one API names a field and phrases each kind of problem. */
export interface Dialect {
  param(path: Path): string;
  missing(param: string): string;
  type(param: string, expected: string, got: string): string;
  value(param: string, detail: string): string;
}

/** Anthropic's style: dotted paths and `field: problem` messages. */
export const anthropicDialect: Dialect = {
  param: (path) => path.join("."),
  missing: (param) => `${param}: Field required`,
  type: (param, expected) => `${param}: Input should be ${expected}`,
  value: (param, detail) => `${param}: ${detail}`,
};

/** OpenAI's style (the same sentences the ingress uses for chat completions). */
export const openAIDialect: Dialect = {
  param: (path) => path.reduce<string>((out, s) => (typeof s === "number" ? `${out}[${s}]` : out ? `${out}.${s}` : s), ""),
  missing: (param) => `Missing required parameter: '${param}'.`,
  type: (param, expected, got) => `Invalid type for '${param}': expected ${expected}, but got ${got} instead.`,
  value: (param, detail) => `Invalid value for '${param}': ${detail}.`,
};

export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && Number.isInteger(value)) return "an integer";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** Runs a validator that throws `Invalid`, reporting the first problem in the dialect's words. */
export function runValidation<T>(dialect: Dialect, validate: () => T): Validation<T> {
  try {
    return { ok: true, value: validate() };
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    const param = dialect.param(error.path);
    // A problem with the body itself (not a JSON object) has no field to name.
    const name = param || "body";
    const { problem } = error;
    const message =
      problem.kind === "missing"
        ? dialect.missing(name)
        : problem.kind === "type"
          ? dialect.type(name, problem.expected, describeType(problem.got))
          : dialect.value(name, problem.detail);
    return { ok: false, error: { param, message } };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Assertions used by the validators. Each checks one value and throws `Invalid` naming its path;
// none converts a value into another type.

export function expectRecord(value: unknown, path: Path): Record<string, unknown> {
  if (!isRecord(value)) throw new Invalid(path, { kind: "type", expected: "an object", got: value });
  return value;
}

export function expectString(value: unknown, path: Path, options: { nonEmpty?: boolean } = {}): string {
  if (typeof value !== "string") throw new Invalid(path, { kind: "type", expected: "a string", got: value });
  if (options.nonEmpty && value.length === 0) throw new Invalid(path, { kind: "value", detail: "must not be empty" });
  return value;
}

export function expectBoolean(value: unknown, path: Path): boolean {
  if (typeof value !== "boolean") throw new Invalid(path, { kind: "type", expected: "a boolean", got: value });
  return value;
}

export function expectNumber(value: unknown, path: Path, range: { min?: number; max?: number } = {}): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Invalid(path, { kind: "type", expected: "a number", got: value });
  checkRange(value, path, range);
  return value;
}

export function expectInteger(value: unknown, path: Path, range: { min?: number; max?: number } = {}): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new Invalid(path, { kind: "type", expected: "an integer", got: value });
  checkRange(value, path, range);
  return value;
}

function checkRange(value: number, path: Path, { min, max }: { min?: number; max?: number }): void {
  if (min !== undefined && value < min) throw new Invalid(path, { kind: "value", detail: `must be greater than or equal to ${min}` });
  if (max !== undefined && value > max) throw new Invalid(path, { kind: "value", detail: `must be less than or equal to ${max}` });
}

export function expectArray(value: unknown, path: Path, options: { nonEmpty?: boolean } = {}): unknown[] {
  if (!Array.isArray(value)) throw new Invalid(path, { kind: "type", expected: "an array", got: value });
  if (options.nonEmpty && value.length === 0) throw new Invalid(path, { kind: "value", detail: "must contain at least one item" });
  return value;
}

export function expectOneOf<const T extends string>(value: unknown, path: Path, accepted: readonly T[]): T {
  if (typeof value !== "string") throw new Invalid(path, { kind: "type", expected: "a string", got: value });
  if (!(accepted as readonly string[]).includes(value)) {
    throw new Invalid(path, { kind: "value", detail: `'${value}' is not one of ${accepted.map((a) => `'${a}'`).join(", ")}` });
  }
  return value as T;
}

/** A required field: present and not null. */
export function required(body: Record<string, unknown>, key: string, path: Path): unknown {
  const value = body[key];
  if (value === undefined || value === null) throw new Invalid([...path, key], { kind: "missing" });
  return value;
}

/** An optional field: `undefined` when absent or null (both APIs treat null as not given). */
export function optional(body: Record<string, unknown>, key: string): unknown {
  const value = body[key];
  return value === null ? undefined : value;
}

export function unsupported(path: Path, detail: string): never {
  throw new Invalid(path, { kind: "value", detail });
}

/**
 * The distinctive part of an upstream id (`chatcmpl-B9MBs8` → `B9MBs8`), for deriving the ids of
 * the translated objects (`msg_B9MBs8`, `resp_B9MBs8`). Random when the upstream gave none.
 */
export function idSuffix(id: string | undefined | null): string {
  const suffix = (id ?? "").replace(/^(chatcmpl|resp|msg|call|toolu|fc)[-_]/, "").replace(/[^A-Za-z0-9_-]/g, "");
  return suffix.length > 0 ? suffix : randomBytes(12).toString("hex");
}

export function randomId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString("hex")}`;
}
