import { anthropicErrorBody } from "@switchyard/errors";
import type { AnswerFormat, StreamFormatter } from "../pipeline/answer-format.js";
import {
  AnthropicStreamTranslator,
  anthropicMessageId,
  type ChatCompletion,
  type ChatCompletionChunk,
  chatToAnthropicMessage,
  serializeEvents,
} from "../translate/index.js";

import { startOnce } from "./once.js";

const decoder = new TextDecoder();

/** Anthropic Messages: the mesh's chat answer as a `message`, or as Anthropic's SSE event sequence. */
export function anthropicMessagesFormat(requestedModel: string): AnswerFormat {
  return {
    complete: (completion) =>
      JSON.stringify(chatToAnthropicMessage(JSON.parse(decoder.decode(completion)) as ChatCompletion, requestedModel)),
    stream: (): StreamFormatter => {
      const translator = new AnthropicStreamTranslator();
      const ensureStarted = startOnce((id) => translator.start({ model: requestedModel, id: anthropicMessageId(id) }));
      return {
        start: () => [],
        chunk: ({ view }) => serializeEvents([...ensureStarted(view.id), ...translator.push(view as ChatCompletionChunk)]),
        finish: (usage) => serializeEvents([...ensureStarted(), ...translator.finish(usage)]),
        fail: (error) => {
          const body = anthropicErrorBody(error);
          return serializeEvents([...ensureStarted(), ...translator.error(body.error)]);
        },
      };
    },
    errorBody: anthropicErrorBody,
  };
}
