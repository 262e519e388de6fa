import { GatewayError } from "@switchyard/errors";
import sjson from "secure-json-parse";

/** Containers (objects and arrays) a request body may nest, vendor fields included. */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A request body as a JSON object, or the 400 that says why not: bytes that are not UTF-8 (never
 * replaced by U+FFFD and served), `__proto__` or `constructor.prototype` keys, anything but an
 * object at the top, or nesting deeper than `MAX_JSON_DEPTH`, which recursive code further on
 * (cache keys, logs, providers) must never meet.
 */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new GatewayError("invalid_json", "The request body is not valid UTF-8; send JSON encoded as UTF-8.");
  }
  let parsed: unknown;
  try {
    parsed = sjson.parse(text, null, { protoAction: "error", constructorAction: "error" });
  } catch (error) {
    throw new GatewayError("invalid_json", `We could not parse the JSON body of your request: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new GatewayError("invalid_json", "We could not parse the JSON body of your request: the body must be a JSON object");
  }
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw new GatewayError("invalid_request", `The request body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  return parsed as Record<string, unknown>;
}

/** Whether `value` has containers nested more than `limit` deep (iterative: no stack to overflow). */
export function nestsDeeperThan(value: object, limit: number): boolean {
  const pending: [object, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [container, depth] = next;
    if (depth > limit) return true;
    for (const child of Array.isArray(container) ? container : Object.values(container)) {
      if (typeof child === "object" && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}
