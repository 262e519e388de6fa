import { randomBytes } from "node:crypto";
import type { TSchema } from "@sinclair/typebox";
import { Ajv } from "ajv";
import { type Located, locate, type Path } from "../schemas/explain.js";
import { AJV_OPTIONS, gatewayKeywords } from "../schemas/keywords.js";

export type { Path };

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

/** A located problem in the dialect's words. */
export function phrase(dialect: Dialect, { path, problem }: Located): ValidationIssue {
  const param = dialect.param(path);
  // A problem with the body itself (not a JSON object) has no field to name.
  const name = param || "body";
  const message =
    problem.kind === "missing"
      ? dialect.missing(name)
      : problem.kind === "type"
        ? dialect.type(name, problem.expected, describeType(problem.got))
        : dialect.value(name, problem.detail);
  return { param, message };
}

const ajv = gatewayKeywords(new Ajv(AJV_OPTIONS));

/**
 * A validator for `schema` that reports the first problem in the dialect's words. It never
 * converts a value: a valid body comes back as the same object, typed.
 */
export function compileValidator<T>(schema: TSchema, dialect: Dialect): (body: unknown) => Validation<T> {
  const check = ajv.compile(schema);
  return (body) => (check(body) ? { ok: true, value: body as T } : { ok: false, error: phrase(dialect, locate(check.errors ?? [])) });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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
