import { translationSample as anthropic } from "./anthropic/translation-sample.js";
import { translationSample as bedrock } from "./bedrock/translation-sample.js";
import { translationSample as gemini } from "./gemini/translation-sample.js";
import { translationSample as openai } from "./openai/translation-sample.js";
import type { TranslationSample } from "./types.js";

/** Every kind's translation sample, for `npm run bench:translation`. One line per kind. */
export const translationSamples: TranslationSample[] = [openai, bedrock, anthropic, gemini];
