import { cacheKeyOf } from "../pipeline/cache-key.js";

/** What the semantic cache compares (the prompt) and what must match exactly (the scope). */
export interface SemanticQuery {
  /** The user turns' text, one per line. */
  prompt: string;
  /** Digest of the request without the user turns' text: parameters, tools, system prompt, other turns. */
  scope: string;
}

interface Message {
  role?: unknown;
  content?: unknown;
}

/**
 * The semantic query of a chat request, or undefined when it must not be answered by similarity:
 * tools not known to be free of side effects, or a user turn that is not plain text (an image
 * is not compared by its words).
 */
export function semanticQueryOf(body: Record<string, unknown>, safeTools: readonly string[], embedder: string): SemanticQuery | undefined {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return undefined;
  if (body.functions !== undefined || !toolsAreSafe(body.tools, safeTools)) return undefined;
  const prompts: string[] = [];
  const shape: unknown[] = [];
  for (const message of messages as Message[]) {
    if (message?.role !== "user") {
      shape.push(message);
      continue;
    }
    const text = textOf(message.content);
    if (text === undefined) return undefined;
    prompts.push(text);
    shape.push({ role: "user" });
  }
  if (prompts.length === 0) return undefined;
  // The embedder is part of the scope: vectors of two embedders are never compared.
  return { prompt: prompts.join("\n"), scope: cacheKeyOf({ ...body, messages: shape, "x-switchyard-embedder": embedder }) };
}

function toolsAreSafe(tools: unknown, safe: readonly string[]): boolean {
  if (tools === undefined || (Array.isArray(tools) && tools.length === 0)) return true;
  if (!Array.isArray(tools)) return false;
  return tools.every((tool) => {
    const name = (tool as { function?: { name?: unknown } } | undefined)?.function?.name;
    return typeof name === "string" && safe.includes(name);
  });
}

function textOf(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const part of content as { type?: unknown; text?: unknown }[]) {
    if (part?.type !== "text" || typeof part.text !== "string") return undefined;
    parts.push(part.text);
  }
  return parts.join("\n");
}
