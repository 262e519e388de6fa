import type { ChatRequestJson } from "../types.js";
import { isJsonObject, sampleJson } from "./json-schema-sample.js";

export interface FormattedContent {
  content: string;
  /** The content is JSON (streamed along its tokens rather than word by word). */
  json: boolean;
}

/**
 * The answer text shaped by `response_format`: `json_object` gives `{"echo":"<text>"}`;
 * `json_schema` a compact JSON value conforming to `json_schema.schema` (`{}` without one), with
 * `text` in its free-text string properties; `text` or none gives the text itself.
 */
export function formatContent(request: ChatRequestJson, text: string): FormattedContent {
  const format = request.response_format;
  if (!isJsonObject(format)) return { content: text, json: false };
  if (format.type === "json_object") return { content: JSON.stringify({ echo: text }), json: true };
  if (format.type === "json_schema") {
    const schema = isJsonObject(format.json_schema) ? format.json_schema.schema : undefined;
    return { content: schema === undefined || schema === null ? "{}" : JSON.stringify(sampleJson(schema, { text })), json: true };
  }
  return { content: text, json: false };
}
