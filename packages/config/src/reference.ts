import { KindGuard, type TLiteralValue, type TObject, type TSchema, Type } from "@sinclair/typebox";
import { ConfigFileSchema } from "./schema.js";

/** The README's configuration reference sits between these; `npm run docs:config` rewrites it. */
export const REFERENCE_START = "<!-- config-reference:start -->";
export const REFERENCE_END = "<!-- config-reference:end -->";

export interface ReferenceRow {
  path: string;
  type: string;
  default: string;
  description: string;
}

/** One row per field of the config file, depth first, in schema order. */
export function configReferenceRows(schema: TSchema = ConfigFileSchema): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  visitFields(schema, "", rows);
  return rows;
}

/** The configuration reference as a Markdown table. */
export function renderConfigReference(schema: TSchema = ConfigFileSchema): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const lines = ["| Path | Type | Default | Description |", "|---|---|---|---|"];
  for (const row of configReferenceRows(schema)) {
    lines.push(`| \`${cell(row.path)}\` | ${cell(row.type)} | ${cell(row.default)} | ${cell(row.description)} |`);
  }
  return lines.join("\n");
}

/** The README's text with the reference section replaced by `table`. */
export function withConfigReference(readme: string, table: string): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${REFERENCE_START} … ${REFERENCE_END} markers`);
  return `${readme.slice(0, start + REFERENCE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

/** The reference section as the README has it now, or undefined without markers. */
export function configReferenceOf(readme: string): string | undefined {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + REFERENCE_START.length, end).trim();
}

function visitFields(schema: TSchema, prefix: string, rows: ReferenceRow[]): void {
  const object = asObject(schema);
  if (!object) return;
  const required = new Set(object.required ?? []);
  for (const [key, field] of Object.entries(object.properties)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    rows.push({ path, type: typeOf(field), default: defaultOf(field, required.has(key)), description: field.description ?? "" });
    if (KindGuard.IsRecord(field)) visitFields(recordValue(field), `${path}.<name>`, rows);
    else if (KindGuard.IsArray(field)) visitFields(field.items, `${path}[]`, rows);
    else visitFields(field, path, rows);
  }
}

/**
 * An object schema, or one object with every variant's fields for a union of objects (a tagged
 * union, say): a field in several variants takes the first's schema, and a literal one (the tag) takes
 * the choices of all.
 */
function asObject(schema: TSchema): TObject | undefined {
  if (KindGuard.IsObject(schema)) return schema;
  if (!KindGuard.IsUnion(schema) || !schema.anyOf.every((s) => KindGuard.IsObject(s))) return undefined;
  const variants = schema.anyOf as TObject[];
  const properties: Record<string, TSchema> = {};
  const owners: Record<string, string[]> = {};
  for (const variant of variants) {
    const tag = Object.values(variant.properties).find((f) => KindGuard.IsLiteral(f))?.const;
    for (const [key, field] of Object.entries(variant.properties)) {
      const seen = properties[key];
      const tags = seen ? [...literals(seen), ...literals(field)] : [];
      properties[key] = seen && literals(seen).length > 0 && literals(field).length > 0 ? mergedChoices(seen, tags) : (seen ?? field);
      if (tag !== undefined) (owners[key] ??= []).push(String(tag));
    }
  }
  // A field only some variants have says which (e.g. `kind: azure`).
  for (const [key, tags] of Object.entries(owners)) {
    if (tags.length === variants.length) continue;
    const field = properties[key]!;
    const only = `${tags.map((t) => `\`${t}\``).join(", ")} only`;
    properties[key] = { ...field, description: field.description ? `${only}: ${field.description}` : only } as TSchema;
  }
  const required = Object.keys(properties).filter((key) => variants.every((v) => v.required?.includes(key)));
  return { ...variants[0], properties, required } as TObject;
}

function mergedChoices(first: TSchema, tags: TSchema[]): TSchema {
  const values = [...new Set(tags.map((t) => t.const as TLiteralValue))];
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    { description: first.description },
  );
}

function typeOf(schema: TSchema): string {
  const choices = choicesOf(schema);
  if (choices) return choices;
  if (KindGuard.IsInteger(schema) || KindGuard.IsNumber(schema)) {
    const kind = KindGuard.IsInteger(schema) ? "integer" : "number";
    return schema.minimum === undefined ? kind : `${kind} ≥ ${schema.minimum}`;
  }
  if (KindGuard.IsString(schema)) return "string";
  if (KindGuard.IsBoolean(schema)) return "boolean";
  if (KindGuard.IsArray(schema)) {
    const items = asObject(schema.items) ? "objects" : typeOf(schema.items);
    return `${schema.minItems ? "non-empty list" : "list"} of ${items}`;
  }
  if (KindGuard.IsRecord(schema)) {
    const value = recordValue(schema);
    return asObject(value) ? "map of objects by name" : `map of ${typeOf(value)}`;
  }
  if (asObject(schema)) return "object";
  return "any";
}

/** "`a`", "`a` or `b`", "`a`, `b` or `c`" for a literal or a union of literals. */
function choicesOf(schema: TSchema): string | undefined {
  const values = literals(schema).map((s) => `\`${String(s.const)}\``);
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
}

function literals(schema: TSchema): TSchema[] {
  if (KindGuard.IsLiteral(schema)) return [schema];
  if (KindGuard.IsUnion(schema) && schema.anyOf.every((s) => KindGuard.IsLiteral(s))) return schema.anyOf;
  return [];
}

function defaultOf(schema: TSchema, required: boolean): string {
  const value: unknown = schema.default;
  // `{}` on an object only lets Value.Default reach its fields, which list their own defaults.
  if (value === undefined || (typeof value === "object" && value !== null && Object.keys(value).length === 0 && !Array.isArray(value))) {
    return required ? "required" : "";
  }
  return `\`${JSON.stringify(value)}\``;
}

function recordValue(schema: TSchema): TSchema {
  return Object.values(schema.patternProperties as Record<string, TSchema>)[0] as TSchema;
}
