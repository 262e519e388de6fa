import type { ErrorObject } from "ajv";

/** One step of a field's path: a property name or an array index. */
export type Path = readonly (string | number)[];

export type Problem = { kind: "missing" } | { kind: "type"; expected: string; got: unknown } | { kind: "value"; detail: string };

/** The field at fault and what is wrong with it, from Ajv's first error. */
export interface Located {
  path: Path;
  problem: Problem;
}

// Keywords that only wrap the errors of their branches: the branch error names the field.
const WRAPPERS = new Set(["anyOf", "oneOf", "allOf", "if", "not"]);

const ARTICLE: Record<string, string> = {
  integer: "an integer",
  array: "an array",
  object: "an object",
  null: "null",
};

function expected(type: unknown): string {
  const first = String(type).split(",")[0] ?? "";
  return ARTICLE[first] ?? `a ${first}`;
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  return instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const quoted = (values: readonly unknown[]) => values.map((v) => `'${String(v)}'`).join(", ");

function tagValues(schema: unknown, tag: string): string[] {
  const variants = (schema as { oneOf?: { properties?: Record<string, { const?: unknown }> }[] }).oneOf ?? [];
  return variants.map((v) => v.properties?.[tag]?.const).filter((v): v is string => typeof v === "string");
}

/**
 * The error that names the field at fault. Inside a union Ajv reports every branch: the deepest
 * path is the most specific; among equally deep ones the last branch's (unions list their most
 * general shape last, so `content: 42` is "should be an array", not "should be a string").
 */
function pick(errors: readonly ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  let depth = -1;
  for (const error of errors) {
    if (WRAPPERS.has(error.keyword)) continue;
    const d = pathOf(error.instancePath).length + (error.keyword === "required" || error.keyword === "discriminator" ? 1 : 0);
    if (d >= depth) {
      best = error;
      depth = d;
    }
  }
  return best ?? errors[0];
}

/** Ajv's errors (from a validator compiled with `verbose: true`) as one located problem. */
export function locate(errors: readonly ErrorObject[]): Located {
  const error = pick(errors);
  if (!error) return { path: [], problem: { kind: "value", detail: "not accepted" } };
  const path = pathOf(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { path: [...path, String(params.missingProperty)], problem: { kind: "missing" } };
    case "type":
      // A required field sent as null is as good as missing (both APIs treat null as "not given").
      if (error.data === null && typeof path.at(-1) === "string") return { path, problem: { kind: "missing" } };
      return { path, problem: { kind: "type", expected: expected(params.type), got: error.data } };
    case "discriminator": {
      const tag = String(params.tag);
      const at = [...path, tag];
      const value = params.tagValue;
      if (value === undefined || value === null) return { path: at, problem: { kind: "missing" } };
      if (params.error === "tag") return { path: at, problem: { kind: "type", expected: "a string", got: value } };
      const unknown = (error.parentSchema as Record<string, unknown> | undefined)?.["x-unknown"];
      const detail =
        typeof unknown === "string"
          ? unknown.replace("%s", String(value))
          : `'${String(value)}' is not one of ${quoted(tagValues(error.parentSchema, tag))}`;
      return { path: at, problem: { kind: "value", detail } };
    }
    case "enum":
      return {
        path,
        problem: { kind: "value", detail: `'${String(error.data)}' is not one of ${quoted(params.allowedValues as unknown[])}` },
      };
    case "const":
      return { path, problem: { kind: "value", detail: `'${String(error.data)}' is not one of ${quoted([params.allowedValue])}` } };
    case "additionalProperties":
      return {
        path: [...path, String(params.additionalProperty)],
        problem: { kind: "value", detail: "not a known field; remove it or check its spelling" },
      };
    case "minLength":
      return { path, problem: { kind: "value", detail: "must not be empty" } };
    case "minItems":
      return {
        path,
        problem: {
          kind: "value",
          detail: params.limit === 1 ? "must contain at least one item" : `must contain at least ${String(params.limit)} items`,
        },
      };
    case "maxItems":
      return { path, problem: { kind: "value", detail: `must contain at most ${String(params.limit)} items` } };
    case "minimum":
      return { path, problem: { kind: "value", detail: `must be greater than or equal to ${String(params.limit)}` } };
    case "maximum":
      return { path, problem: { kind: "value", detail: `must be less than or equal to ${String(params.limit)}` } };
    default:
      return { path, problem: { kind: "value", detail: error.message ?? "not accepted" } };
  }
}
