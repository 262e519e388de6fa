import { Kind, type Static, Type as T, type TLiteral, type TObject, type TSchema, type TUnsafe, TypeRegistry } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { Ajv, SchemaValidateFunction } from "ajv";

/**
 * Schema building blocks shared by every request schema, and the Ajv keywords they need. Each
 * one makes Ajv report the field a human would name: a tagged union checks only the variant its
 * tag selects (Ajv's `discriminator`), `x-reject` refuses a value with the gateway's own sentence.
 */

/** Ajv options every request validator uses: never coerce, stop at the first problem, tagged unions. */
export const AJV_OPTIONS = {
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: false,
  allErrors: false,
  verbose: true,
  // minLength counts UTF-16 units instead of walking every code point of a long base64 string.
  unicode: false,
  discriminator: true,
  // TypeBox objects list `required` beside tagged unions whose variants declare the tag.
  strictRequired: false,
} as const;

/** Adds the gateway's keywords to an Ajv instance (fastify's included, as an ajv plugin). */
export function gatewayKeywords(ajv: Ajv): Ajv {
  if (ajv.getKeyword("x-reject")) return ajv;
  // The message for a tag value no variant has; `%s` is the value.
  ajv.addKeyword({ keyword: "x-unknown", schemaType: "string" });
  const reject: SchemaValidateFunction = (message: string, data: unknown) => {
    if (data === null) return true;
    reject.errors = [{ keyword: "x-reject", message: message.replace("%s", String(data)), params: {} }];
    return false;
  };
  ajv.addKeyword({ keyword: "x-reject", schemaType: "string", errors: true, validate: reject });
  return ajv;
}

TypeRegistry.Set<{ oneOf: TSchema[] }>("Tagged", (schema, value) => schema.oneOf.some((variant) => Value.Check(variant, value)));
TypeRegistry.Set<{ enum: string[] }>("StringEnum", (schema, value) => typeof value === "string" && schema.enum.includes(value));

/**
 * One of several object shapes told apart by the string in `tag`. A missing tag is a missing
 * field; an unknown one is refused with `unknown` (`%s`: the value), or "is not one of …".
 */
export function Tagged<const V extends TObject[]>(
  tag: string,
  variants: V,
  options: { unknown?: string } = {},
): TUnsafe<Static<V[number]>> {
  return T.Unsafe<Static<V[number]>>({
    [Kind]: "Tagged",
    type: "object",
    required: [tag],
    discriminator: { propertyName: tag },
    oneOf: variants,
    ...(options.unknown ? { "x-unknown": options.unknown } : {}),
  });
}

/** A string from a fixed list, reported as one `enum` problem (a union of literals would be one per literal). */
export function StringEnum<const V extends readonly string[]>(values: V, options: object = {}): TUnsafe<V[number]> {
  return T.Unsafe<V[number]>({ [Kind]: "StringEnum", type: "string", enum: [...values], ...options });
}

/** Refuses any value but null with `message` (`%s`: the value). */
export function Reject(message: string): TUnsafe<null> {
  return T.Unsafe<null>({ "x-reject": message });
}

/** A tag value the gateway knows but does not accept here: the variant that refuses it by name. */
export function Refused<const L extends string>(tag: string, value: L, message: string): TObject<Record<string, TLiteral<L>>> {
  return T.Object({ [tag]: T.Literal(value, { "x-reject": message.replace("%s", value) }) });
}

/** Optional, and null means "not given" (both APIs accept null for optional fields; some SDKs send it). */
export const Maybe = <S extends TSchema>(schema: S) => T.Optional(T.Union([T.Null(), schema]));

/** A JSON integer a JavaScript number holds exactly. */
export const Int = (options: { minimum?: number; maximum?: number } = {}) =>
  T.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, ...options });

export const NonEmptyString = (options: object = {}) => T.String({ minLength: 1, ...options });

/** A JSON object of any content (tool input, JSON Schema). */
export const AnyObject = () => T.Record(T.String(), T.Unknown());

/**
 * `schema`, checked only after `first` passed: Ajv runs `allOf` before an object's `required` and
 * `properties`, so a field refused by name is reported before a missing one.
 */
export function CheckedFirst<S extends TObject>(first: TObject, schema: S): S {
  return { ...schema, allOf: [first] };
}
