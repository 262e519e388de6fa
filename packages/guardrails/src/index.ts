export type { GuardrailRules, InputVerdict, WebhookVerdict } from "./checks.js";
export { askWebhook, CompiledGuardrails, formatHits } from "./checks.js";
export { compilePattern } from "./patterns.js";
export type { PiiCounts, PiiKind, PiiMatch } from "./pii.js";
export { addCounts, countOf, findPii, ibanChecksum, luhn, PII_KINDS, PII_MAX_LENGTH, placeholderOf, redactPii } from "./pii.js";
export { StreamRedactor } from "./stream.js";
