export { PII_KINDS, PII_MAX_LENGTH, findPii, redactPii, placeholderOf, luhn, ibanChecksum, addCounts, countOf } from "./pii.js";
export type { PiiKind, PiiMatch, PiiCounts } from "./pii.js";
export { compilePattern } from "./patterns.js";
export { StreamRedactor } from "./stream.js";
export { CompiledGuardrails, formatHits, askWebhook } from "./checks.js";
export type { GuardrailRules, InputVerdict, WebhookVerdict } from "./checks.js";
