import { pino, type Logger } from "pino";

export type { Logger } from "pino";

/** Fields that may hold secrets; pino replaces them before a line is written. */
const REDACT = [
  "apiKey",
  "api_key",
  "key",
  "authorization",
  "*.apiKey",
  "*.api_key",
  "*.authorization",
  "headers.authorization",
  'headers["x-api-key"]',
  "req.headers.authorization",
  'req.headers["x-api-key"]',
];

export function createLogger(service: string, level = "info"): Logger {
  return pino({
    level,
    base: { service },
    redact: { paths: REDACT, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
