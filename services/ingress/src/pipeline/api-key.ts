import type { IncomingHttpHeaders } from "node:http";

/** The key from `Authorization: Bearer <key>`, or from `x-api-key` (Anthropic clients). */
export function apiKeyFrom(headers: IncomingHttpHeaders): string {
  const authorization = headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    return match?.[1]?.trim() ?? "";
  }
  const apiKey = headers["x-api-key"];
  return typeof apiKey === "string" ? apiKey.trim() : "";
}
