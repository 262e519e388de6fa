/** Roughly four characters per token for English text and code: close enough to skip a deployment whose window is far too small. */
const CHARS_PER_TOKEN = 4;
/** Role and separators each message adds. */
const TOKENS_PER_MESSAGE = 4;
/** An image part, at OpenAI's low-detail price. */
const TOKENS_PER_IMAGE = 85;

/** The text of a chat request's messages, for the estimate and the complexity score. */
export function promptText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
  let text = "";
  for (const message of messages) {
    if (typeof message.content === "string") text += `${message.content}\n`;
    else if (Array.isArray(message.content)) {
      for (const part of message.content as { type?: string; text?: unknown }[])
        if (typeof part.text === "string") text += `${part.text}\n`;
    }
  }
  return text;
}

/**
 * Tokens a request's prompt is likely to take, without a tokenizer: characters / 4 plus a little
 * per message and image. Used to skip deployments whose `context_window` cannot hold the prompt
 * and the answer; a real tokenizer differs by some percent, which the window's slack absorbs.
 */
export function estimatePromptTokens(body: Record<string, unknown>): number {
  const messages = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
  let images = 0;
  for (const message of messages) {
    if (Array.isArray(message.content)) images += (message.content as { type?: string }[]).filter((p) => p.type === "image_url").length;
  }
  const tools = body.tools === undefined ? 0 : JSON.stringify(body.tools).length;
  return Math.ceil((promptText(body).length + tools) / CHARS_PER_TOKEN) + messages.length * TOKENS_PER_MESSAGE + images * TOKENS_PER_IMAGE;
}

/** The answer's token allowance the client asked for; 0 when it did not say. */
export function requestedOutputTokens(body: Record<string, unknown>): number {
  const asked = body.max_completion_tokens ?? body.max_tokens;
  return typeof asked === "number" && asked > 0 ? asked : 0;
}
