import type { RateLimitInfo } from "../providers/types.js";

/** Response headers as undici gives them: lower-case names. */
export type Headers = Record<string, string | string[] | undefined>;

/** The first value of a header. */
export function headerText(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A header's value as a finite number, else undefined. */
export function headerNumber(headers: Headers, name: string): number | undefined {
  const text = headerText(headers, name)?.trim();
  if (!text) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000_001 };

/**
 * Milliseconds from now: a Go-style duration ("1s", "6m0s", "120ms", "1h2m3.5s"), a bare number
 * (seconds), or a date (RFC 3339 or HTTP); undefined when unreadable. Never negative.
 */
export function durationMs(text: string | undefined, now = Date.now()): number | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  if (/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(trimmed)) {
    let total = 0;
    for (const [, amount, , unit] of trimmed.matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(amount) * UNIT_MS[unit!]!;
    return Math.round(total);
  }
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (Azure, Groq and others send
 * the same); undefined when none is present, so nothing is reported for servers without them.
 */
export function openAIRateLimits(headers: Headers): RateLimitInfo | undefined {
  if (headers["x-ratelimit-remaining-requests"] === undefined && headers["x-ratelimit-remaining-tokens"] === undefined) return undefined;
  const limits: RateLimitInfo = {};
  const set = (key: keyof RateLimitInfo, value: number | undefined) => {
    if (value !== undefined) limits[key] = value;
  };
  set("limitRequests", headerNumber(headers, "x-ratelimit-limit-requests"));
  set("remainingRequests", headerNumber(headers, "x-ratelimit-remaining-requests"));
  set("resetRequestsMs", durationMs(headerText(headers, "x-ratelimit-reset-requests")));
  set("limitTokens", headerNumber(headers, "x-ratelimit-limit-tokens"));
  set("remainingTokens", headerNumber(headers, "x-ratelimit-remaining-tokens"));
  set("resetTokensMs", durationMs(headerText(headers, "x-ratelimit-reset-tokens")));
  return limits;
}
