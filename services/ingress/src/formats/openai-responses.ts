import { openAIErrorBody } from "@switchyard/errors";
import type { AnswerFormat, StreamFormatter } from "../pipeline/answer-format.js";
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  chatToResponse,
  type ResponsesRequest,
  ResponsesStreamTranslator,
  responseIdFrom,
  responsesFailure,
  serializeEvents,
} from "../translate/index.js";

import { startOnce } from "./once.js";

const decoder = new TextDecoder();

/** OpenAI Responses: the mesh's chat answer as a `response` object, or as Responses stream events. */
export function openAIResponsesFormat(request: ResponsesRequest): AnswerFormat {
  return {
    complete: (completion) => JSON.stringify(chatToResponse(JSON.parse(decoder.decode(completion)) as ChatCompletion, request)),
    stream: (): StreamFormatter => {
      const translator = new ResponsesStreamTranslator(request);
      const ensureStarted = startOnce((id) => translator.start({ id: responseIdFrom(id) }));
      return {
        start: () => [],
        chunk: ({ view }) => serializeEvents([...ensureStarted(view.id), ...translator.push(view as ChatCompletionChunk)]),
        finish: (usage) => serializeEvents([...ensureStarted(), ...translator.finish(usage)]),
        fail: (error) => serializeEvents([...ensureStarted(), ...translator.fail(responsesFailure(error))]),
      };
    },
    errorBody: openAIErrorBody,
  };
}
