import type { TranslationSample } from "../types.js";
import { readJsonFixture, readSseFixture } from "./fixtures.js";
import { toAnthropicRequest } from "./request.js";
import { toChatCompletion } from "./response.js";
import { AnthropicStreamTranslator } from "./stream.js";

const PARAGRAPH =
  "Switchyard routes each request to a deployment, translates it to the provider's wire format and back, and reports usage. " +
  "A translating connector must keep that work small next to the network: one pass over the request to build the provider's body, " +
  "one pass over the answer to build the OpenAI one, and a constant amount of work per streamed event. ";

/** A recorded message (message.json) with its text grown to about 1 KB. */
const message = (() => {
  const recorded = readJsonFixture<{ content: { type: string; text?: string }[] }>("message.json");
  const text = PARAGRAPH.repeat(3).slice(0, 800);
  return { ...recorded, content: recorded.content.map((block) => (block.type === "text" ? { ...block, text } : block)) };
})();

/** The recorded text stream with its one answer spread over a delta per word, as the API streams. */
const events = (() => {
  const recorded = readSseFixture("text-stream.sse");
  const deltaAt = recorded.findIndex((event) => event.event === "content_block_delta");
  const words = PARAGRAPH.match(/\S+\s*/g) ?? [];
  const deltas = words.map((text) => ({
    event: "content_block_delta",
    data: JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }),
  }));
  const rest = recorded.slice(deltaAt).filter((event) => event.event !== "content_block_delta");
  return [...recorded.slice(0, deltaAt), ...deltas, ...rest];
})();

export const translationSample: TranslationSample = {
  kind: "anthropic",
  request: (body, model) => toAnthropicRequest(body, model, { stream: false }).body,
  response: () => toChatCompletion(message, { provider: "anthropic" }),
  stream: () => {
    const translator = new AnthropicStreamTranslator("anthropic");
    for (const event of events) translator.event(event.data);
    translator.end();
    return events.length;
  },
};
