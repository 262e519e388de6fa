import { GatewayError } from "@switchyard/errors";
import { REUSE_MS, type RoutingStrategy } from "./types.js";

/**
 * What the request needs decides: only deployments that declare every required capability
 * (vision, audio, tools, json_schema) are tried, in config order — a deployment that declares
 * none serves plain text only. Deployments whose context window is smaller than the prompt plus
 * max_tokens are left out by the ingress, which estimates the prompt for each request.
 */
export const capability: RoutingStrategy = {
  name: "capability",
  plan: (model, eligible, context) => {
    const needs = context.requiredCapabilities;
    const fit = eligible.filter((d) => needs.every((c) => d.capabilities.includes(c)));
    if (fit.length === 0) {
      const missing = needs.filter((c) => !eligible.some((d) => d.capabilities.includes(c)));
      throw new GatewayError(
        "invalid_request",
        `No deployment of \`${model.name}\` supports ${(missing.length > 0 ? missing : needs).join(", ")}, which this request needs ` +
          `(${eligible.map((d) => `${d.id}: ${d.capabilities.join(", ") || "text only"}`).join("; ")}).`,
        { param: "model" },
      );
    }
    return {
      attempts: fit,
      reason: needs.length > 0 ? `deployments with ${needs.join(", ")}` : "config order",
      reuseMs: REUSE_MS,
      draw: "",
    };
  },
};
