import type { JsonObject, TranslationSample } from "../types.js";
import { toConverseRequest } from "./request.js";
import { fromConverseResponse } from "./response.js";
import { chunkOfStreamEvent, newStreamState } from "./stream.js";

const identity = { id: "chatcmpl-sample", created: 1_700_000_000, model: "anthropic.claude-3-5-haiku-20241022-v1:0" };

const PARAGRAPH =
  "Amazon Bedrock is a fully managed service that offers a choice of foundation models from leading AI companies through a single API, " +
  "along with a broad set of capabilities you need to build generative AI applications with security, privacy, and responsible AI. ";

/** A Converse answer of about 1 KB, as Bedrock sends it. */
const ANSWER_TEXT = JSON.stringify({
  output: { message: { role: "assistant", content: [{ text: PARAGRAPH.repeat(3) }] } },
  stopReason: "end_turn",
  usage: { inputTokens: 212, outputTokens: 141, totalTokens: 353, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 },
  metrics: { latencyMs: 1432 },
});

/** A ConverseStream answer's events, decoded from their frames as the adapter sees them (JSON payloads). */
const STREAM_EVENTS: [string, string][] = [
  ["messageStart", JSON.stringify({ role: "assistant", p: "abcdefghijklmnopqrstuvwxyz" })],
  ...PARAGRAPH.split(/(?<= )/).map((word, i): [string, string] => [
    "contentBlockDelta",
    JSON.stringify({ contentBlockIndex: 0, delta: { text: word }, p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ".slice(0, 4 + (i % 30)) }),
  ]),
  ["contentBlockStop", JSON.stringify({ contentBlockIndex: 0, p: "abcdefgh" })],
  ["messageStop", JSON.stringify({ stopReason: "end_turn", p: "abcdefghijklmno" })],
  ["metadata", JSON.stringify({ usage: { inputTokens: 212, outputTokens: 47, totalTokens: 259 }, metrics: { latencyMs: 981 }, p: "abc" })],
];

export const translationSample: TranslationSample = {
  kind: "bedrock",
  request: (body) => toConverseRequest(body),
  response: () => fromConverseResponse(JSON.parse(ANSWER_TEXT), identity, "bedrock"),
  stream: () => {
    const state = newStreamState(identity);
    for (const [type, payload] of STREAM_EVENTS) chunkOfStreamEvent(state, type, JSON.parse(payload) as JsonObject);
    return STREAM_EVENTS.length;
  },
};
