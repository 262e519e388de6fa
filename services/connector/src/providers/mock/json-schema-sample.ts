/**
 * A deterministic value that conforms to a JSON schema, as a model following the schema might
 * produce it. Used for tool-call arguments and `response_format: json_schema` answers.
 *
 * Objects get their required properties (all declared properties when none are required), in the
 * order they are declared. Strings are `"mock"`, or the hint text when the property's name says it
 * holds free text (`query`, `location`, `city`, `prompt`, …); numbers and integers are 1; booleans
 * true; `enum` and `const` give their (first) value; arrays are empty. Bounds are honoured where a
 * simple value can: `minimum`/`maximum` (and exclusive ones), `multipleOf`, `minLength`/`maxLength`,
 * `minItems`, and common string `format`s. `pattern` is not. `$ref`s into the same document
 * (`#/$defs/…`, `#/definitions/…`) are followed; `anyOf`/`oneOf` take the first branch that is not
 * `null`; `allOf` branches are merged.
 */
export interface SampleOptions {
  /** The text put into free-text string properties. */
  text: string;
}

type Schema = { [key: string]: unknown };

/** Bounds resolution steps, so reference chains that loop (`A` → `B` → `A`) end. */
const MAX_STEPS = 32;

const FREE_TEXT_WORDS = new Set([
  "query",
  "queries",
  "q",
  "search",
  "text",
  "input",
  "prompt",
  "question",
  "message",
  "content",
  "topic",
  "keyword",
  "keywords",
  "term",
  "terms",
  "location",
  "city",
  "place",
  "address",
]);

const FORMATS: Readonly<Record<string, string>> = {
  "date-time": "1970-01-01T00:00:00Z",
  date: "1970-01-01",
  time: "00:00:00Z",
  duration: "PT1S",
  email: "mock@example.com",
  "idn-email": "mock@example.com",
  hostname: "example.com",
  "idn-hostname": "example.com",
  ipv4: "127.0.0.1",
  ipv6: "::1",
  uri: "https://example.com/mock",
  "uri-reference": "https://example.com/mock",
  iri: "https://example.com/mock",
  url: "https://example.com/mock",
  uuid: "00000000-0000-4000-8000-000000000000",
};

/** A value conforming to `schema`; `true`, `{}` and non-object schemas accept anything and get a string. */
export function sampleJson(schema: unknown, options: SampleOptions): unknown {
  const root = isJsonObject(schema) ? schema : {};
  return sample(root, root, undefined, options, new Set());
}

/** True when a property of this name holds free text (`query`, `searchQuery`, `city_name`, …). */
export function isFreeTextName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((word) => FREE_TEXT_WORDS.has(word));
}

/**
 * `seen` holds the references being expanded above this schema: a reference met again is a
 * recursive type, which gets its emptiest value (or `null` where allowed) instead of another level.
 */
function sample(schema: Schema, root: Schema, name: string | undefined, options: SampleOptions, seen: ReadonlySet<string>): unknown {
  const { schema: resolved, refs, cyclic } = resolve(schema, root, seen);
  if (cyclic) return minimal(resolved);
  const inner = refs.length === 0 ? seen : new Set([...seen, ...refs]);
  if (Object.hasOwn(resolved, "const")) return resolved.const;
  if (Array.isArray(resolved.enum) && resolved.enum.length > 0) return resolved.enum[0];
  const type = typeOf(resolved);
  switch (type) {
    case "null":
      return null;
    case "boolean":
      return true;
    case "integer":
    case "number":
      return sampleNumber(resolved, type === "integer");
    case "array":
      return sampleArray(resolved, root, options, inner);
    case "object":
      return sampleObject(resolved, root, options, inner);
    default:
      return sampleString(resolved, name, options);
  }
}

interface Resolved {
  schema: Schema;
  /** References followed to get here. */
  refs: string[];
  /** A reference already in `seen` was met: the schema is recursive at this point. */
  cyclic: boolean;
}

/**
 * Follows `$ref`, picks an `anyOf`/`oneOf` branch and merges `allOf`, until none is left. The
 * branch picked is the first that is neither `null` nor a recursive reference; failing that a
 * `null` branch, failing that the first.
 */
function resolve(schema: Schema, root: Schema, seen: ReadonlySet<string>): Resolved {
  let current = schema;
  const refs: string[] = [];
  const recursive = (s: Schema) => typeof s.$ref === "string" && (seen.has(s.$ref) || refs.includes(s.$ref));
  for (let step = 0; step < MAX_STEPS; step++) {
    if (typeof current.$ref === "string") {
      const { $ref, ...rest } = current;
      const target = pointer(root, $ref) ?? {};
      if (recursive(current)) return { schema: { ...target, ...rest }, refs, cyclic: true };
      refs.push($ref);
      current = { ...target, ...rest };
      continue;
    }
    const branches = Array.isArray(current.anyOf) ? current.anyOf : Array.isArray(current.oneOf) ? current.oneOf : undefined;
    if (branches !== undefined) {
      const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = current;
      const schemas = branches.filter(isJsonObject);
      const chosen =
        schemas.find((branch) => branch.type !== "null" && !recursive(branch)) ??
        schemas.find((branch) => branch.type === "null") ??
        schemas[0] ??
        {};
      current = { ...rest, ...chosen };
      continue;
    }
    if (Array.isArray(current.allOf)) {
      const { allOf, ...rest } = current;
      current = allOf.filter(isJsonObject).reduce<Schema>(merge, rest);
      continue;
    }
    return { schema: current, refs, cyclic: false };
  }
  return { schema: current, refs, cyclic: true };
}

/** Resolves a local JSON pointer (`#/$defs/Name`); other references are not followed. */
function pointer(root: Schema, ref: string): Schema | undefined {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isJsonObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return isJsonObject(node) ? node : undefined;
}

function merge(into: Schema, next: Schema): Schema {
  const merged: Schema = { ...into, ...next };
  if (isJsonObject(into.properties) || isJsonObject(next.properties)) {
    merged.properties = {
      ...(isJsonObject(into.properties) ? into.properties : {}),
      ...(isJsonObject(next.properties) ? next.properties : {}),
    };
  }
  const required = [...strings(into.required), ...strings(next.required)];
  if (required.length > 0) merged.required = [...new Set(required)];
  return merged;
}

function typeOf(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) {
    const types = type.filter((t): t is string => typeof t === "string");
    return types.find((t) => t !== "null") ?? types[0];
  }
  if (isJsonObject(schema.properties) || Array.isArray(schema.required)) return "object";
  if (Object.hasOwn(schema, "items") || Array.isArray(schema.prefixItems)) return "array";
  return undefined;
}

function sampleObject(schema: Schema, root: Schema, options: SampleOptions, seen: ReadonlySet<string>): Record<string, unknown> {
  const properties = isJsonObject(schema.properties) ? schema.properties : {};
  const required = strings(schema.required);
  const declared = Object.keys(properties);
  const names =
    required.length === 0 ? declared : [...declared.filter((n) => required.includes(n)), ...required.filter((n) => !declared.includes(n))];
  const value: Record<string, unknown> = {};
  for (const name of new Set(names)) {
    const property = properties[name];
    value[name] = sample(isJsonObject(property) ? property : {}, root, name, options, seen);
  }
  return value;
}

function sampleArray(schema: Schema, root: Schema, options: SampleOptions, seen: ReadonlySet<string>): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : [];
  const rest = isJsonObject(schema.items) ? schema.items : {};
  const count = nonNegativeInteger(schema.minItems) ?? 0;
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const item = prefix[i];
    items.push(sample(isJsonObject(item) ? item : rest, root, undefined, options, seen));
  }
  return items;
}

function sampleString(schema: Schema, name: string | undefined, options: SampleOptions): string {
  const format = typeof schema.format === "string" ? FORMATS[schema.format] : undefined;
  const text = format ?? (name !== undefined && isFreeTextName(name) && options.text !== "" ? options.text : "mock");
  let chars = Array.from(text);
  const max = nonNegativeInteger(schema.maxLength);
  if (max !== undefined && chars.length > max) chars = chars.slice(0, max);
  const min = nonNegativeInteger(schema.minLength);
  while (min !== undefined && chars.length < min) chars.push("x");
  return chars.join("");
}

function sampleNumber(schema: Schema, integer: boolean): number {
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const minimum = num(schema.minimum);
  const maximum = num(schema.maximum);
  // Draft 4 spells exclusive bounds as booleans beside minimum/maximum.
  const exclusiveMin = num(schema.exclusiveMinimum) ?? (schema.exclusiveMinimum === true ? minimum : undefined);
  const exclusiveMax = num(schema.exclusiveMaximum) ?? (schema.exclusiveMaximum === true ? maximum : undefined);
  const step = num(schema.multipleOf);
  const fits = (v: number) =>
    (minimum === undefined || v >= minimum) &&
    (maximum === undefined || v <= maximum) &&
    (exclusiveMin === undefined || v > exclusiveMin) &&
    (exclusiveMax === undefined || v < exclusiveMax) &&
    (!integer || Number.isInteger(v)) &&
    (step === undefined || step <= 0 || Number.isInteger(v / step));
  if (fits(1)) return 1;
  const low = Math.max(minimum ?? Number.NEGATIVE_INFINITY, exclusiveMin ?? Number.NEGATIVE_INFINITY);
  const high = Math.min(maximum ?? Number.POSITIVE_INFINITY, exclusiveMax ?? Number.POSITIVE_INFINITY);
  const unit = step !== undefined && step > 0 ? step : integer ? 1 : undefined;
  const candidates: number[] = [];
  if (unit !== undefined) {
    const base = Number.isFinite(low) ? Math.ceil(low / unit) * unit : Math.floor(high / unit) * unit;
    candidates.push(base, base + unit, base - unit);
  } else {
    if (Number.isFinite(low)) candidates.push(low, low + 1);
    if (Number.isFinite(high)) candidates.push(high, high - 1);
    if (Number.isFinite(low) && Number.isFinite(high)) candidates.push((low + high) / 2);
  }
  return candidates.find(fits) ?? (Number.isFinite(low) ? low : Number.isFinite(high) ? high : 1);
}

/** A value for a recursive schema: the emptiest of its type. */
function minimal(schema: Schema): unknown {
  if (Object.hasOwn(schema, "const")) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (typeOf(schema)) {
    case "object":
      return {};
    case "array":
      return [];
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return "mock";
  }
}

/** A JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is { [key: string]: unknown } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function nonNegativeInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}
