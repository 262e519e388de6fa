import type { DeploymentConfig } from "@switchyard/config";
import { REUSE_MS, type RoutingStrategy } from "./types.js";

/** Blended price used to order a cascade: input and output per million tokens, equally weighted. */
export const priceOf = (d: DeploymentConfig) => d.price.input + d.price.output;

/**
 * Cheapest deployment first, escalating to the next when an answer fails the model's checks
 * (the ingress runs them, buffering a streamed answer until it passes). A prompt whose complexity
 * score is above `cascade.threshold` starts at the strongest (dearest) deployment instead; the
 * ingress scores the prompt, since the plan is shared by every prompt.
 */
export const cascade: RoutingStrategy = {
  name: "cascade",
  plan: (model, eligible) => {
    const ranked = eligible.map((d, i) => ({ d, i })).sort((a, b) => priceOf(a.d) - priceOf(b.d) || a.i - b.i);
    return {
      attempts: ranked.map((r) => r.d),
      reason: `cheapest first, escalating on ${model.cascade.checks.join("/") || "failure"}`,
      reuseMs: REUSE_MS,
      draw: "",
    };
  },
};
