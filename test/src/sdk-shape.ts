/*
 * Shape comparison for the golden fixtures: does a live response have exactly the shape of a
 * documented example — the same keys and JSON value types at every level — while values that
 * differ by nature (ids, timestamps, text, token counts) are ignored?
 *
 * A documented value becomes a shape: its JSON type, an object's keys, an array's element shape.
 * Several documented samples of one thing (the elements of an array, the chunks of a stream) are
 * merged: a key missing from some samples is optional, and a value's types are the union of the
 * samples' types (`bytes` is an array in one logprob and null in another). Array elements that
 * carry a string `type` (content blocks, stream events) are merged per type, so a text block is
 * compared with the documented text blocks, a tool_use block with the documented tool_use blocks.
 *
 * Discriminator-like keys (`object`, `type`, `role`, `finish_reason`, `stop_reason`) keep their
 * documented values: a chat completion's `object` must be "chat.completion", not just a string.
 */

export type JsonType = "null" | "boolean" | "number" | "string" | "array" | "object";

export interface Shape {
  types: Set<JsonType>;
  /** Object keys; `optional` when some documented sample lacks the key. */
  keys: Map<string, { shape: Shape; optional: boolean }>;
  /** Element shape of arrays whose elements carry no string `type`; undefined when none documented. */
  items?: Shape;
  /** Element shapes of arrays whose object elements carry a string `type`, by that type. */
  itemsByType: Map<string, Shape>;
  /** Documented string/null values of a discriminator key. */
  values?: Set<string | null>;
}

/** Allowed deviations of one fixture from its documented example, each justified in the fixture. */
export interface ShapeRules {
  /**
   * Paths (`choices[].message.annotations`) of documented keys that the API's schema does not
   * require, so a conforming server may leave them out.
   */
  mayBeAbsent?: string[];
  /**
   * Keys the API's current schema defines (and marks required or returns) that the example
   * predates, with the JSON types the schema allows: `{"choices[].message.refusal": ["null", "string"]}`.
   */
  alsoDocumented?: Record<string, JsonType[]>;
}

const DISCRIMINATORS = new Set(["object", "type", "role", "finish_reason", "stop_reason"]);

export function jsonType(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  const t = typeof value;
  if (t === "boolean" || t === "number" || t === "string" || t === "object") return t;
  throw new Error(`not a JSON value: ${String(value)}`);
}

function emptyShape(): Shape {
  return { types: new Set(), keys: new Map(), itemsByType: new Map() };
}

function typeOf(value: unknown): string | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) && typeof (value as { type?: unknown }).type === "string"
    ? (value as { type: string }).type
    : undefined;
}

/** The shape of one documented value (`key` is the key it sits under, for discriminators). */
export function shapeOf(value: unknown, key?: string): Shape {
  return addSample(emptyShape(), value, key, true);
}

/** The merged shape of several documented samples of the same thing. */
export function shapeOfSamples(values: readonly unknown[], key?: string): Shape {
  let shape = emptyShape();
  values.forEach((value, i) => {
    shape = addSample(shape, value, key, i === 0);
  });
  return shape;
}

function addSample(shape: Shape, value: unknown, key: string | undefined, first: boolean): Shape {
  const type = jsonType(value);
  const hadObject = shape.types.has("object");
  shape.types.add(type);
  if (key !== undefined && DISCRIMINATORS.has(key) && (type === "string" || type === "null")) {
    (shape.values ??= new Set()).add(value as string | null);
  }
  if (type === "object") {
    const object = value as Record<string, unknown>;
    const isFirstObject = first || !hadObject;
    for (const [k, v] of Object.entries(object)) {
      const known = shape.keys.get(k);
      if (known) addSample(known.shape, v, k, false);
      else shape.keys.set(k, { shape: shapeOf(v, k), optional: !isFirstObject });
    }
    for (const [k, entry] of shape.keys) if (!(k in object)) entry.optional = true;
  }
  if (type === "array") {
    for (const element of value as unknown[]) {
      const elementType = typeOf(element);
      if (elementType !== undefined) {
        const known = shape.itemsByType.get(elementType);
        if (known) addSample(known, element, undefined, false);
        else shape.itemsByType.set(elementType, shapeOf(element));
      } else if (shape.items) addSample(shape.items, element, undefined, false);
      else shape.items = shapeOf(element);
    }
  }
  return shape;
}

/** Every way `actual` departs from `shape`, one readable line each; empty when it conforms. */
export function shapeDiff(shape: Shape, actual: unknown, rules: ShapeRules = {}, path = ""): string[] {
  const mayBeAbsent = new Set(rules.mayBeAbsent ?? []);
  const alsoDocumented = rules.alsoDocumented ?? {};
  const problems: string[] = [];
  const here = path === "" ? "(root)" : path;

  let type: JsonType;
  try {
    type = jsonType(actual);
  } catch {
    return [`${here}: not a JSON value`];
  }
  if (!shape.types.has(type)) {
    return [`${here}: documented as ${[...shape.types].join(" or ")}, got ${type} (${preview(actual)})`];
  }
  if (shape.values && (type === "string" || type === "null") && !shape.values.has(actual as string | null)) {
    problems.push(
      `${here}: documented value ${[...shape.values].map((v) => JSON.stringify(v)).join(" or ")}, got ${JSON.stringify(actual)}`,
    );
  }
  if (type === "object") {
    const object = actual as Record<string, unknown>;
    for (const [k, { shape: child, optional }] of shape.keys) {
      const childPath = path === "" ? k : `${path}.${k}`;
      if (!(k in object)) {
        if (!optional && !mayBeAbsent.has(childPath)) problems.push(`${childPath}: documented key is missing`);
        continue;
      }
      problems.push(...shapeDiff(child, object[k], rules, childPath));
    }
    for (const [k, v] of Object.entries(object)) {
      if (shape.keys.has(k)) continue;
      const childPath = path === "" ? k : `${path}.${k}`;
      const allowed = alsoDocumented[childPath];
      if (allowed === undefined) problems.push(`${childPath}: key is not in the documented shape (value ${preview(v)})`);
      else if (!allowed.includes(jsonType(v))) problems.push(`${childPath}: documented as ${allowed.join(" or ")}, got ${jsonType(v)}`);
    }
  }
  if (type === "array") {
    (actual as unknown[]).forEach((element, i) => {
      const elementPath = `${path}[]`;
      const elementType = typeOf(element);
      const byType = elementType !== undefined ? shape.itemsByType.get(elementType) : undefined;
      if (byType) {
        problems.push(...shapeDiff(byType, element, rules, elementPath));
      } else if (shape.items) {
        problems.push(...shapeDiff(shape.items, element, rules, elementPath));
      } else if (shape.itemsByType.size > 0) {
        problems.push(
          `${path}[${i}]: element type ${JSON.stringify(elementType)} is not documented (documented: ${[...shape.itemsByType.keys()].join(", ")})`,
        );
      } else {
        problems.push(`${path}[${i}]: the documented array is empty, so no element shape is documented`);
      }
    });
  }
  return problems;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** One server-sent event: its `event:` name (if any) and its parsed `data:`. */
export interface SseEvent {
  event: string | undefined;
  data: unknown;
}

/**
 * Parses an SSE body into its events, skipping comment lines (`: heartbeat`); `[DONE]` is
 * reported as `done` rather than as an event.
 */
export function parseSse(raw: string): { events: SseEvent[]; done: boolean } {
  const events: SseEvent[] = [];
  let done = false;
  for (const block of raw.replace(/\r\n/g, "\n").split("\n\n")) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (data.length === 0) continue;
    const payload = data.join("\n");
    if (payload === "[DONE]") done = true;
    else events.push({ event, data: JSON.parse(payload) as unknown });
  }
  return { events, done };
}
