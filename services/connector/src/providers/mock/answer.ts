import type { ChatRequestJson, UsageJson } from "../types.js";
import { choiceCount } from "./choices.js";
import { groupPieces, splitJson } from "./json-split.js";
import { applyLimits } from "./limits.js";
import { type LogprobsRequest, logprobsRequest } from "./logprobs.js";
import type { ToolsMode } from "./model-spec.js";
import { formatContent } from "./response-format.js";
import { countWords, messagesOf, messageText, splitWords } from "./text.js";
import { planToolCalls, type ToolCallJson, toolResultText } from "./tools.js";

export const NO_USER_MESSAGE = "(no user message)";

/** A tool call's arguments stream in this many fragments at most, cut between JSON tokens. */
export const ARGUMENT_FRAGMENTS = 4;

export interface AnswerOptions {
  /** Seeds the tool call ids. */
  requestId: string;
  /** The model's `tools` parameter (default `first`). */
  tools?: ToolsMode | undefined;
}

/** What the echo model says to a request, decided before any chunk is sent. */
export type EchoAnswer = TextAnswer | ToolCallAnswer;

interface AnswerBase {
  /** How many choices (`n`); each is this same answer. */
  n: number;
  /** Set when the request asked for `logprobs`. */
  logprobs: LogprobsRequest | undefined;
  /** Completion tokens count every choice. */
  usage: Required<Pick<UsageJson, "prompt_tokens" | "completion_tokens" | "total_tokens">>;
}

export interface TextAnswer extends AnswerBase {
  kind: "text";
  content: string;
  /** Stream pieces, also the tokens `logprobs` lists; joined they are the content. */
  pieces: string[];
  finishReason: "stop" | "length";
}

export interface ToolCallAnswer extends AnswerBase {
  kind: "tool_calls";
  calls: ToolCallJson[];
  /** Per call, its `arguments` in the fragments it is streamed in. */
  fragments: string[][];
  finishReason: "tool_calls";
}

/**
 * The echo model's answer. With function tools offered and the user speaking last, a tool call
 * (see `tools.ts`). Otherwise text: the last user message, or `tool result: <content>` when the
 * last message is a tool's; shaped by `response_format`, cut at a `stop` sequence or after
 * `max_completion_tokens`/`max_tokens` words. Usage is counted in whitespace-separated words.
 */
export function echoAnswer(request: ChatRequestJson, options: AnswerOptions = { requestId: "" }): EchoAnswer {
  const messages = messagesOf(request);
  const said = messageText(messages.findLast((m) => m.role === "user"));
  const n = choiceCount(request);
  const logprobs = logprobsRequest(request);
  const prompt = messages.reduce((sum, m) => sum + countWords(messageText(m)), 0);
  const usage = (perChoice: number) => ({ prompt_tokens: prompt, completion_tokens: perChoice * n, total_tokens: prompt + perChoice * n });

  const calls = planToolCalls(request, {
    requestId: options.requestId,
    mode: options.tools ?? "first",
    text: said.trim() === "" ? "" : said,
  });
  if (calls !== undefined) {
    const words = calls.reduce((sum, call) => sum + countWords(call.function.arguments), 0);
    return {
      kind: "tool_calls",
      calls,
      fragments: calls.map((call) => groupPieces(splitJson(call.function.arguments), ARGUMENT_FRAGMENTS)),
      finishReason: "tool_calls",
      n,
      logprobs,
      usage: usage(words),
    };
  }

  const toolResult = toolResultText(request);
  const plain = toolResult !== undefined ? `tool result: ${toolResult}` : said.trim() === "" ? NO_USER_MESSAGE : said;
  const formatted = formatContent(request, plain);
  const { content, finishReason } = applyLimits(formatted.content, request);
  return {
    kind: "text",
    content,
    pieces: formatted.json ? splitJson(content) : splitWords(content),
    finishReason,
    n,
    logprobs,
    usage: usage(countWords(content)),
  };
}
