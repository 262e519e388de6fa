import { type Logger, pino } from "pino";
import { redactCredentials } from "./redact.js";

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

/** A service's logger: JSON lines on stdout (or `destination`), secrets redacted. */
export function createLogger(service: string, level = "info", destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    redact: { paths: REDACT, censor: "[redacted]" },
    // Field paths miss secrets inside messages and error text (an upstream echoing its key):
    // every serialized line is also scrubbed of anything credential-like.
    hooks: { streamWrite: redactCredentials },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
