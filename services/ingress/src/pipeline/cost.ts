import type { Price, TokenUsage } from "@switchyard/proto";

/** USD for the tokens used at a price per million tokens. */
export function costOf(usage: TokenUsage | undefined, price: Price | undefined): number {
  if (!usage || !price) return 0;
  return (usage.promptTokens * price.input + usage.completionTokens * price.output) / 1_000_000;
}

/** Cost as sent in `x-switchyard-cost`: plain decimal, no exponent. */
export function formatCost(usd: number): string {
  return usd.toFixed(10).replace(/\.?0+$/, "") || "0";
}
