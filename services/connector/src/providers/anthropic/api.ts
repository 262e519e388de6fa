import { ANTHROPIC_DEFAULT_BASE, ANTHROPIC_DEFAULT_VERSION, type ProviderConfig, providerConfigOf } from "@switchyard/config";
import { durationMs, type Headers, headerNumber, headerText } from "../../http/rate-limits.js";
import { UpstreamClient } from "../../http/upstream-client.js";
import type { RateLimitInfo } from "../types.js";
import { parseAnthropicError } from "./errors.js";

/** The Messages API, below `api_base` (which has no `/v1`, as the official clients' base URL). */
export const MESSAGES_PATH = "/v1/messages";

/**
 * A client for the provider's Messages API: `x-api-key` and `anthropic-version` on every request;
 * error bodies and rate-limit headers read the Anthropic way.
 */
export function anthropicClient(provider: ProviderConfig): UpstreamClient {
  const config = providerConfigOf(provider, "anthropic");
  const headers: Record<string, string> = {
    ...config.headers,
    "anthropic-version": config.anthropic_version ?? ANTHROPIC_DEFAULT_VERSION,
  };
  if (config.api_key) headers["x-api-key"] = config.api_key;
  return new UpstreamClient({
    provider: config.name,
    baseUrl: config.api_base ?? ANTHROPIC_DEFAULT_BASE,
    headers,
    parseError: (_status, text) => parseAnthropicError(text),
    rateLimits: anthropicRateLimits,
  });
}

/**
 * Anthropic's `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}` headers (resets are
 * RFC 3339 times); undefined when the answer has none.
 */
export function anthropicRateLimits(headers: Headers): RateLimitInfo | undefined {
  if (headers["anthropic-ratelimit-requests-remaining"] === undefined && headers["anthropic-ratelimit-tokens-remaining"] === undefined)
    return undefined;
  const limits: RateLimitInfo = {};
  const set = (key: keyof RateLimitInfo, value: number | undefined) => {
    if (value !== undefined) limits[key] = value;
  };
  set("limitRequests", headerNumber(headers, "anthropic-ratelimit-requests-limit"));
  set("remainingRequests", headerNumber(headers, "anthropic-ratelimit-requests-remaining"));
  set("resetRequestsMs", durationMs(headerText(headers, "anthropic-ratelimit-requests-reset")));
  set("limitTokens", headerNumber(headers, "anthropic-ratelimit-tokens-limit"));
  set("remainingTokens", headerNumber(headers, "anthropic-ratelimit-tokens-remaining"));
  set("resetTokensMs", durationMs(headerText(headers, "anthropic-ratelimit-tokens-reset")));
  return limits;
}
