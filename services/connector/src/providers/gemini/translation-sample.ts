import type { TranslationSample } from "../types.js";
import { toGeminiChatBody } from "./request.js";
import { fromGeminiResponse, type GeminiResponse } from "./response.js";
import { GeminiStreamTranslator } from "./stream.js";

const sentence = "The gateway translates each request to the provider's wire format and back again. ";

/** A ~1 KB generateContent answer as it arrives (text), shaped as the API documents it. */
const ANSWER = JSON.stringify({
  candidates: [
    {
      content: { role: "model", parts: [{ text: sentence.repeat(9) }] },
      finishReason: "STOP",
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 212,
    candidatesTokenCount: 153,
    totalTokenCount: 365,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: 212 }],
  },
  modelVersion: "gemini-2.5-flash",
  responseId: "v4ZcaOnxK9mUz7IPjbfY8Qs",
});

/** A streamGenerateContent?alt=sse transcript: the `data:` payloads of one answer, a few words each, usage on every frame. */
const frames: string[] = sentence
  .repeat(4)
  .match(/(?:\S+\s*){1,3}/g)!
  .map((text, i, all) =>
    JSON.stringify({
      candidates: [{ content: { role: "model", parts: [{ text }] }, ...(i === all.length - 1 ? { finishReason: "STOP" } : {}), index: 0 }],
      usageMetadata: { promptTokenCount: 212, candidatesTokenCount: i + 1, totalTokenCount: 213 + i },
      modelVersion: "gemini-2.5-flash",
      responseId: "v4ZcaOnxK9mUz7IPjbfY8Qs",
    }),
  );

export const translationSample: TranslationSample = {
  kind: "gemini",
  request: (body) => toGeminiChatBody(body),
  response: () => fromGeminiResponse(JSON.parse(ANSWER) as GeminiResponse, "gemini-2.5-flash", "gemini"),
  stream: () => {
    const translator = new GeminiStreamTranslator("gemini-2.5-flash", "gemini");
    for (const data of frames) translator.data(data);
    translator.end();
    return frames.length;
  },
};
