import { createHash } from "node:crypto";

/** Fields that change how an answer is delivered or attributed, not what it says. */
const IGNORED = new Set(["stream", "stream_options", "user", "metadata", "store", "service_tier"]);

/** Stable digest of the request's content: key order and delivery options do not matter. */
export function cacheKeyOf(body: Record<string, unknown>): string {
  // One string and one update: each `update` is a call into C++, and a chat body has dozens of parts.
  return createHash("sha256").update(canonicalJson(body, IGNORED)).digest("base64url");
}

/** JSON with object keys sorted at every level, leaving out `skip` keys at the top. */
export function canonicalJson(value: unknown, skip?: ReadonlySet<string>): string {
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

export type CacheDirective = "use" | "bypass" | "refresh";

/** `x-switchyard-cache: bypass|refresh` from the client; anything else uses the cache. */
export function cacheDirectiveFrom(header: string | string[] | undefined): CacheDirective {
  return header === "bypass" || header === "refresh" ? header : "use";
}

/** `x-switchyard-cache-ttl` in seconds, 0 when absent or not a positive integer. */
export function cacheTtlFrom(header: string | string[] | undefined): number {
  if (typeof header !== "string" || !/^[0-9]{1,9}$/.test(header)) return 0;
  return Number(header);
}
