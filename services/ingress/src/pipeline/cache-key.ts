import { createHash } from "node:crypto";

/** Fields that change how an answer is delivered or attributed, not what it says. */
const IGNORED = new Set(["stream", "stream_options", "user", "metadata", "store", "service_tier"]);

/** Stable digest of the request's content: key order and delivery options do not matter. */
export function cacheKeyOf(body: Record<string, unknown>): string {
  const hash = createHash("sha256");
  writeCanonical(hash, Object.fromEntries(Object.entries(body).filter(([k]) => !IGNORED.has(k))));
  return hash.digest("base64url");
}

function writeCanonical(hash: ReturnType<typeof createHash>, value: unknown): void {
  if (Array.isArray(value)) {
    hash.update("[");
    value.forEach((item, i) => {
      if (i > 0) hash.update(",");
      writeCanonical(hash, item);
    });
    hash.update("]");
  } else if (value !== null && typeof value === "object") {
    hash.update("{");
    Object.keys(value)
      .sort()
      .forEach((key, i) => {
        if (i > 0) hash.update(",");
        hash.update(JSON.stringify(key));
        hash.update(":");
        writeCanonical(hash, (value as Record<string, unknown>)[key]);
      });
    hash.update("}");
  } else {
    hash.update(JSON.stringify(value) ?? "null");
  }
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
