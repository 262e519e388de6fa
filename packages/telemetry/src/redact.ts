/**
 * Not secrets: the development key every checkout's config holds (DEV_ADMIN_KEY in
 * @switchyard/config), which the gateway's refusal to expose it must be able to name.
 */
export const PUBLIC_KEYS: ReadonlySet<string> = new Set(["sk-switchyard-dev"]);

/**
 * Credential-like strings: API keys (sk-…, AIza…), bearer tokens, AWS access key ids, JWTs, and
 * the value after an api-key header or field name. Token patterns stop at quotes and backslashes,
 * so redacting a serialized JSON line leaves valid JSON.
 */
const CREDENTIALS: [RegExp, string | ((key: string, prefix: string) => string)][] = [
  [/\bBearer\s+[^\s"',\\]+/gi, "Bearer [redacted]"],
  [/\b((?:x-(?:goog-)?)?api[_-]?key\\?["']?\s*[:=]\s*\\?["']?)[^\s"',\\]+/gi, "$1[redacted]"],
  [/\b(sk|pk|rk)-[A-Za-z0-9_-]{3,}/g, (key, prefix) => (PUBLIC_KEYS.has(key) ? key : `${prefix}-[redacted]`)],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, "[redacted]"],
  [/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, "[redacted]"],
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*)?/g, "[redacted]"],
];

/** Cheap pre-check: text with none of these fragments holds nothing the patterns would replace. */
const MAYBE_CREDENTIAL = /bearer|api[_-]?key|sk-|pk-|rk-|AIza|AKIA|ASIA|eyJ/i;

/** `text` with anything that looks like a credential replaced. */
export function redactCredentials(text: string): string {
  if (!MAYBE_CREDENTIAL.test(text)) return text;
  let redacted = text;
  for (const [pattern, replacement] of CREDENTIALS) {
    redacted = typeof replacement === "string" ? redacted.replace(pattern, replacement) : redacted.replace(pattern, replacement);
  }
  return redacted;
}
