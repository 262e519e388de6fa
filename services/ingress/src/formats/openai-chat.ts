import { openAIErrorBody } from "@switchyard/errors";
import type { AnswerFormat, SseFrame } from "../pipeline/answer-format.js";

const DONE: SseFrame = { data: "[DONE]" };

/** OpenAI Chat Completions: the mesh's own shape, passed through byte for byte. */
export const openAIChatFormat: AnswerFormat = {
  complete: (completion) => completion,
  stream: () => ({
    start: () => [],
    chunk: ({ bytes }) => [{ data: bytes }],
    finish: () => [DONE],
    // OpenAI clients raise the error object of a data frame; no [DONE] follows a failure.
    fail: (error) => [{ data: JSON.stringify(openAIErrorBody(error)) }],
  }),
  errorBody: openAIErrorBody,
};

/** OpenAI Embeddings: never streamed. */
export const openAIEmbeddingsFormat: AnswerFormat = {
  ...openAIChatFormat,
};
