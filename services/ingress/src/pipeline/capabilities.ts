import type { ChatCompletionRequest } from "../schemas/chat-completions.js";

/** Capabilities a deployment needs to serve this request, for the router's filter. */
export function requiredCapabilities(request: ChatCompletionRequest): string[] {
  const needs: string[] = [];
  if (request.tools && request.tools.length > 0) needs.push("tools");
  if (request.response_format?.type === "json_schema") needs.push("json_schema");
  const hasImage = request.messages.some((m) => Array.isArray(m.content) && m.content.some((part) => part.type === "image_url"));
  if (hasImage) needs.push("vision");
  const hasAudio = request.messages.some((m) => Array.isArray(m.content) && m.content.some((part) => part.type === "input_audio"));
  if (hasAudio) needs.push("audio");
  return needs;
}
