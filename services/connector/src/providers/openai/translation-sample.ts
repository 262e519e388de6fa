import type { ChatCompletionJson, TranslationSample } from "../types.js";
import { toUpstreamChatBody } from "./request.js";
import { parseChatCompletion, parseStreamEvent } from "./response.js";

const created = 1_733_500_000;

/** A recorded-shape answer of about 1 KB. */
const ANSWER = JSON.stringify({
  id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
  object: "chat.completion",
  created,
  model: "gpt-4o-mini-2024-07-18",
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content:
          "The night train to Vienna leaves from platform 7 at 22:40. Boarding opens twenty minutes before departure; the sleeper cars are at the front of the train, so walk towards the end of the platform. ".repeat(
            3,
          ),
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: "stop",
    },
  ],
  usage: {
    prompt_tokens: 58,
    completion_tokens: 131,
    total_tokens: 189,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  service_tier: "default",
  system_fingerprint: "fp_0ba0d124f1",
});

/** A recorded-shape stream's event data: role, a token per event, finish, usage, [DONE]. */
const EVENTS: string[] = (() => {
  const chunk = (choices: unknown[], usage: unknown = null) =>
    JSON.stringify({
      id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
      object: "chat.completion.chunk",
      created,
      model: "gpt-4o-mini-2024-07-18",
      service_tier: "default",
      system_fingerprint: "fp_0ba0d124f1",
      choices,
      usage,
    });
  const delta = (value: object, finish: string | null = null) => chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finish }]);
  const words = "The night train to Vienna leaves from platform 7 at 22:40 .".split(" ");
  return [
    delta({ role: "assistant", content: "", refusal: null }),
    ...words.map((word) => delta({ content: `${word} ` })),
    delta({}, "stop"),
    chunk([], { prompt_tokens: 58, completion_tokens: words.length, total_tokens: 58 + words.length }),
    "[DONE]",
  ];
})();

/** OpenAI speaks the internal format: its translations are a few member changes and a parse. */
export const translationSample: TranslationSample = {
  kind: "openai",
  request: (body, model) => toUpstreamChatBody(body, model, true),
  response: (): ChatCompletionJson => parseChatCompletion(ANSWER, "openai"),
  stream: () => {
    for (const data of EVENTS) parseStreamEvent(data, "openai");
    return EVENTS.length;
  },
};
