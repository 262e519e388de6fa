import { estimatePromptTokens, promptText } from "./prompt-size.js";

/** Scores how demanding a prompt is, from 0 (trivial) to 1 (demanding). Pluggable: the cascade takes any scorer. */
export type ComplexityScorer = (body: Record<string, unknown>) => number;

/**
 * The default scorer: the weighted share of four signals present in the prompt, each between 0
 * and 1. Transparent on purpose, so a threshold can be reasoned about:
 * - length (0.3): the estimated prompt tokens over 2,000, capped at 1;
 * - code (0.25): a fenced block, or several lines that look like code;
 * - math (0.2): formulas, LaTeX, or words such as prove, integral, equation;
 * - multi-step (0.25): numbered or bulleted steps, "step by step", several questions.
 * A short plain question scores near 0; a long prompt with code and numbered steps scores near 1.
 * With the default threshold 0.7 a prompt needs at least three strong signals to start at the
 * strongest deployment.
 */
export const defaultComplexity: ComplexityScorer = (body) => {
  const text = promptText(body);
  const length = Math.min(1, estimatePromptTokens(body) / 2_000);
  const codeLines = text
    .split("\n")
    .filter((line) => /[;{}]\s*$|^\s*(def|class|function|import|return|const|let|for|while|if)\b/.test(line)).length;
  const code = /```/.test(text) ? 1 : Math.min(1, codeLines / 3);
  const mathHits = (text.match(/\\(frac|sum|int)|\b(prove|proof|integral|derivative|equation|theorem|matrix)\b|\d\s*[-+*/^=]\s*\d/gi) ?? [])
    .length;
  const math = Math.min(1, mathHits / 2);
  const stepHits = (text.match(/^\s*(\d+[.)]|[-*])\s+\S|step by step|\bthen\b|\?/gim) ?? []).length;
  const steps = Math.min(1, stepHits / 4);
  return 0.3 * length + 0.25 * code + 0.2 * math + 0.25 * steps;
};
