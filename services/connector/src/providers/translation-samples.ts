import { translationSample as openai } from "./openai/translation-sample.js";
import type { TranslationSample } from "./types.js";

/** Every kind's translation sample, for `npm run bench:translation`. One line per kind. */
export const translationSamples: TranslationSample[] = [
  openai,
];
