import type { OpenAIPreset } from "@switchyard/config";
import type { RequestBody } from "../request-body.js";
import type { JsonObject } from "../types.js";

/**
 * An OpenAI-compatible service known by name (`kind: openai, preset: groq`): data only. Auth is
 * `Authorization: Bearer <api_key>` for all of them (local servers take none and ignore one).
 */
export interface OpenAIPresetSpec {
  /** Used unless the config's `api_base` says otherwise. */
  baseUrl: string;
  /** Top-level request fields the service refuses: removed on the way upstream. */
  drop?: readonly string[];
  /** Top-level request fields the service knows under another name: from → to. */
  rename?: Readonly<Record<string, string>>;
}

// Most of these take `max_tokens` but not (or not everywhere) OpenAI's newer `max_completion_tokens`.
const MAX_TOKENS = { max_completion_tokens: "max_tokens" } as const;

export const OPENAI_PRESET_SPECS: Readonly<Record<OpenAIPreset, OpenAIPresetSpec>> = {
  // 400 on these (console.groq.com/docs/openai).
  groq: { baseUrl: "https://api.groq.com/openai/v1", drop: ["logprobs", "top_logprobs", "logit_bias"], rename: MAX_TOKENS },
  // Rejects unknown fields; sends usage on the last chunk without being asked.
  mistral: {
    baseUrl: "https://api.mistral.ai/v1",
    drop: ["stream_options", "user", "store", "metadata", "service_tier", "logit_bias"],
    rename: { ...MAX_TOKENS, seed: "random_seed" },
  },
  together: { baseUrl: "https://api.together.xyz/v1", rename: MAX_TOKENS },
  deepseek: { baseUrl: "https://api.deepseek.com", rename: MAX_TOKENS },
  fireworks: { baseUrl: "https://api.fireworks.ai/inference/v1", rename: MAX_TOKENS },
  openrouter: { baseUrl: "https://openrouter.ai/api/v1" },
  xai: { baseUrl: "https://api.x.ai/v1" },
  ollama: { baseUrl: "http://localhost:11434/v1", rename: MAX_TOKENS },
  vllm: { baseUrl: "http://localhost:8000/v1" },
  lmstudio: { baseUrl: "http://localhost:1234/v1", rename: MAX_TOKENS },
};

/**
 * The member changes a preset makes to a chat body, or undefined when it makes none. Reads only
 * the renamed members (`RequestBody.member`), so the body is still not parsed whole.
 */
export function presetChanges(spec: OpenAIPresetSpec): ((request: RequestBody) => JsonObject) | undefined {
  const drop = spec.drop ?? [];
  const rename = Object.entries(spec.rename ?? {});
  if (drop.length === 0 && rename.length === 0) return undefined;
  return (request) => {
    const changes: JsonObject = {};
    for (const key of drop) changes[key] = undefined;
    for (const [from, to] of rename) {
      const value = request.member(from);
      if (value === undefined) continue;
      changes[from] = undefined;
      // A client that sent both keeps its own value of the service's name.
      if (request.member(to) === undefined) changes[to] = value;
    }
    return changes;
  };
}
