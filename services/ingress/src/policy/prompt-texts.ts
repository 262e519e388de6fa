/** A piece of prompt text in a request body, and how to put a changed version back. */
export interface TextSlot {
  text: string;
  set(text: string): void;
}

/**
 * The texts a guardrail reads in an OpenAI-shaped body: message contents (strings or text parts)
 * for chat, `input` for embeddings. Writing through a slot changes the body in place.
 */
export function promptTexts(body: Record<string, unknown>): TextSlot[] {
  const slots: TextSlot[] = [];
  const messages = body.messages;
  if (Array.isArray(messages)) {
    for (const message of messages as Record<string, unknown>[]) {
      if (!message || typeof message !== "object") continue;
      const content = message.content;
      if (typeof content === "string") slots.push({ text: content, set: (text) => (message.content = text) });
      else if (Array.isArray(content)) {
        for (const part of content as Record<string, unknown>[]) {
          if (part && typeof part.text === "string") slots.push({ text: part.text, set: (text) => (part.text = text) });
        }
      }
    }
  }
  const input = body.input;
  if (typeof input === "string") slots.push({ text: input, set: (text) => (body.input = text) });
  else if (Array.isArray(input)) {
    input.forEach((item, i) => {
      if (typeof item === "string") slots.push({ text: item, set: (text) => (input[i] = text) });
    });
  }
  return slots;
}

/** The request's metadata: the `x-switchyard-metadata` header (a JSON object) over the body's `metadata`. */
export function requestMetadata(header: string | string[] | undefined, body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (value: unknown) => {
    if (!value || typeof value !== "object" || Array.isArray(value)) return;
    for (const [field, item] of Object.entries(value)) if (typeof item === "string" || typeof item === "number") out[field] = String(item);
  };
  add(body.metadata);
  if (typeof header === "string" && header.length <= 4096) {
    try {
      add(JSON.parse(header));
    } catch {
      // Not JSON: no metadata from the header, as if it were absent.
    }
  }
  return out;
}

/** Tokens to reserve up front: the prompt at about four characters a token, plus the most the answer may use. */
export function reservedTokens(body: Record<string, unknown>, slots: readonly TextSlot[]): number {
  let chars = 0;
  for (const slot of slots) chars += slot.text.length;
  const maxTokens = [body.max_completion_tokens, body.max_tokens].find((n) => typeof n === "number" && n > 0) as number | undefined;
  return Math.ceil(chars / 4) + (maxTokens ?? 0);
}
