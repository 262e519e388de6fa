import { GEMINI_DEFAULT_BASE, type ProviderConfig, providerConfigOf } from "@switchyard/config";
import { UpstreamClient } from "../../http/upstream-client.js";
import { geminiErrorBody } from "./errors.js";
import { modelResource } from "./request.js";

export type GeminiMethod = "generateContent" | "streamGenerateContent" | "embedContent" | "batchEmbedContents";

/** The path of a model method, e.g. `/v1beta/models/gemini-2.5-flash:generateContent`. */
export function methodPath(model: string, method: GeminiMethod): string {
  const resource = modelResource(model)
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
  return `/v1beta/${resource}:${method}`;
}

/** `streamGenerateContent` answers a JSON array unless asked for server-sent events. */
export const STREAM_QUERY: Record<string, string> = { alt: "sse" };

/** The HTTP client for one gemini provider: its base URL, the key in `x-goog-api-key` (never in the URL, which gets logged). */
export function geminiClient(config: ProviderConfig): UpstreamClient {
  const gemini = providerConfigOf(config, "gemini");
  const headers: Record<string, string> = { ...gemini.headers };
  if (gemini.api_key) headers["x-goog-api-key"] = gemini.api_key;
  return new UpstreamClient({
    provider: gemini.name,
    baseUrl: gemini.api_base ?? GEMINI_DEFAULT_BASE,
    headers,
    parseError: geminiErrorBody,
  });
}
