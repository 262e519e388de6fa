import type { ChatRequestJson, UsageJson } from "../types.js";
import { countWords, messagesOf, messageText, splitWords } from "./text.js";

export const NO_USER_MESSAGE = "(no user message)";

/** What the echo model says to a request, decided before any chunk is sent. */
export interface EchoAnswer {
  /** Stream pieces; joined they are the whole answer. */
  pieces: string[];
  content: string;
  finishReason: "stop" | "length";
  usage: Required<Pick<UsageJson, "prompt_tokens" | "completion_tokens" | "total_tokens">>;
}

/** Echoes the last user message, cut to `max_completion_tokens`/`max_tokens` words. */
export function echoAnswer(request: ChatRequestJson): EchoAnswer {
  const messages = messagesOf(request);
  const lastUser = messages.findLast((m) => m.role === "user");
  const said = messageText(lastUser);
  let pieces = splitWords(said.trim() === "" ? NO_USER_MESSAGE : said);
  let finishReason: EchoAnswer["finishReason"] = "stop";
  const limit = tokenLimit(request);
  if (limit !== undefined && pieces.length > limit) {
    pieces = pieces.slice(0, limit);
    pieces[limit - 1] = pieces[limit - 1]!.trimEnd();
    finishReason = "length";
  }
  const prompt = messages.reduce((sum, m) => sum + countWords(messageText(m)), 0);
  const completion = pieces.length;
  return {
    pieces,
    content: pieces.join(""),
    finishReason,
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

function tokenLimit(request: ChatRequestJson): number | undefined {
  for (const value of [request.max_completion_tokens, request.max_tokens]) {
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}
