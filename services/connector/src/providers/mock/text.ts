import type { ChatMessageJson, ChatRequestJson } from "../types.js";

/** The text of a message: its string content, or its text parts joined by newlines. */
export function messageText(message: ChatMessageJson | undefined): string {
  const content = message?.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((part) => part?.type === "text" && typeof part.text === "string")
    .map((part) => part.text)
    .join("\n");
}

export function messagesOf(request: ChatRequestJson): ChatMessageJson[] {
  return Array.isArray(request.messages) ? request.messages.filter((m) => m !== null && typeof m === "object") : [];
}

/** Whitespace-separated words. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * Splits text into stream pieces: each word with the whitespace after it (the first also keeps
 * any leading whitespace), so joining the pieces gives the text back.
 */
export function splitWords(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? [];
}
