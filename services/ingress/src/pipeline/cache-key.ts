import { hash } from "node:crypto";

/** Fields that change how an answer is delivered or attributed, not what it says. */
const IGNORED = new Set(["stream", "stream_options", "user", "metadata", "store", "service_tier"]);

/**
 * Strings at least this long (a base64 image, a pasted document) are digested on their own and
 * stand in the canonical text as `#<digest>`: quoting, joining and hashing it would copy a 1 MB
 * image three times over. `#` never appears in JSON outside a string literal, so no request's
 * canonical text can be mistaken for another's.
 */
const DIGESTED_STRING_LENGTH = 4096;

/** Stable digest of the request's content: key order and delivery options do not matter. */
export function cacheKeyOf(body: Record<string, unknown>): string {
  // One string, hashed once: each `update` would be a call into C++, and a chat body has dozens of parts.
  return sha256(canonicalJson(body, IGNORED));
}

/** JSON with object keys sorted at every level, leaving out `skip` keys at the top; long strings as `#<digest>`. */
export function canonicalJson(value: unknown, skip?: ReadonlySet<string>): string {
  if (typeof value === "string") {
    // A lone surrogate would become U+FFFD in the digest's UTF-8; JSON.stringify escapes it exactly.
    return value.length >= DIGESTED_STRING_LENGTH && value.isWellFormed() ? `#${sha256(value)}` : JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + canonicalJson(value[i]);
    return `${out}]`;
  }
  if (value !== null && typeof value === "object") {
    let out = "{";
    for (const key of Object.keys(value).sort()) {
      if (skip?.has(key)) continue;
      out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** One-shot `hash`: no Hash object per key. */
function sha256(text: string): string {
  return hash("sha256", text, "base64url");
}

export type CacheDirective = "use" | "bypass" | "refresh";

/** `x-switchyard-cache: bypass|refresh` from the client; anything else uses the cache. */
export function cacheDirectiveFrom(header: string | string[] | undefined): CacheDirective {
  return header === "bypass" || header === "refresh" ? header : "use";
}

/**
 * `x-switchyard-cache-ttl` (seconds, to the millisecond: `1`, `0.25`) as milliseconds; 0 when
 * absent or not a positive number, which means the model's configured TTL.
 */
export function cacheTtlFrom(header: string | string[] | undefined): number {
  if (typeof header !== "string" || !/^[0-9]{1,9}(\.[0-9]{1,3})?$/.test(header)) return 0;
  return Math.round(Number(header) * 1000);
}
