import { GatewayError } from "@switchyard/errors";
import type { Deployment, PlanResponse } from "@switchyard/proto";
import type { InFlightView } from "../mesh/in-flight.js";
import type { ComplexityScorer } from "./prompt-complexity.js";
import { estimatePromptTokens, requestedOutputTokens } from "./prompt-size.js";

/** The attempts of one request, drawn from a (possibly reused) plan. */
export interface Route {
  attempts: Deployment[];
  /** The first `ownAttempts` are the model's own deployments; the rest are fallbacks. */
  ownAttempts: number;
  /** What this request's draw did, appended to the plan's reason in `x-switchyard-route`. */
  note: string;
}

export interface RouteInputs {
  body: Record<string, unknown>;
  random: () => number;
  inFlight: InFlightView;
  /** This ingress's own skips (see LocalHealth): until when, or undefined. */
  skipUntil: (deploymentId: string) => number | undefined;
  complexity: ComplexityScorer;
  /** Embeddings have no answer budget and no cascade. */
  chat: boolean;
}

/**
 * Orders a plan's attempts for one request, in process: the draw the plan asks for (weights,
 * exploration, in-flight counts), a cascade's start, deployments whose context window cannot hold
 * the prompt and the answer, and deployments this ingress just saw fail. No router call is paid:
 * the plan is reused and the router pushes an invalidation when what it learned changes it.
 */
export function routeOf(plan: PlanResponse, inputs: RouteInputs): Route {
  const ownCount = plan.ownAttempts > 0 ? Math.min(plan.ownAttempts, plan.attempts.length) : plan.attempts.length;
  let own = plan.attempts.slice(0, ownCount);
  const fallbacks = plan.attempts.slice(ownCount);
  const notes: string[] = [];

  if (plan.draw === "weighted") own = weightedOrder(own, inputs.random);
  else if (plan.draw === "explore") own = explore(own, plan.explore, inputs.random, notes);
  else if (plan.draw === "least_busy") own = leastBusy(own, inputs.inFlight, inputs.random, notes);
  if (plan.cascade && inputs.chat && own.length > 1) {
    const score = inputs.complexity(inputs.body);
    if (score > plan.cascade.threshold) {
      own = [own[own.length - 1]!, ...own.slice(0, -1)];
      notes.push(`complexity ${score.toFixed(2)} > ${plan.cascade.threshold}: strongest first`);
    } else notes.push(`complexity ${score.toFixed(2)}`);
  }
  if (plan.draw === "weighted" && own[0]) notes.push(`drew ${own[0].id}`);

  let attempts = [...own, ...fallbacks];
  let ownAttempts = own.length;
  if (inputs.chat && attempts.some((d) => d.contextWindow > 0)) {
    const needed = estimatePromptTokens(inputs.body) + requestedOutputTokens(inputs.body);
    const fits = (d: Deployment) => d.contextWindow === 0 || d.contextWindow >= needed;
    const kept = attempts.filter(fits);
    if (kept.length === 0) {
      const largest = Math.max(...attempts.map((d) => d.contextWindow));
      throw new GatewayError(
        "invalid_request",
        `The request needs about ${needed} tokens (prompt estimate plus max_tokens), more than any deployment's context window (largest ${largest}); shorten the messages or lower max_tokens.`,
        { param: "messages" },
      );
    }
    if (kept.length < attempts.length)
      notes.push(
        `skipped ${attempts
          .filter((d) => !fits(d))
          .map((d) => d.id)
          .join(", ")} (context < ${needed} tokens)`,
      );
    ownAttempts = own.filter(fits).length;
    attempts = kept;
  }

  const paused = attempts.filter((d) => inputs.skipUntil(d.id) !== undefined);
  if (paused.length > 0) {
    notes.push(`skipped ${paused.map((d) => d.id).join(", ")} (failing here)`);
    ownAttempts -= own.filter((d) => paused.includes(d)).length;
    attempts = attempts.filter((d) => !paused.includes(d));
  }
  if (attempts.length === 0 && (paused.length > 0 || plan.skipped.length > 0)) {
    const until = [...paused.map((d) => inputs.skipUntil(d.id) ?? 0), ...plan.skipped.map((s) => s.untilMs)];
    const waitS = Math.max(1, Math.ceil((Math.min(...until) - Date.now()) / 1_000));
    throw new GatewayError(
      "no_deployment_available",
      `Every deployment of this model is cooling down or rate limited; retry in ${waitS}s.`,
      {
        retryAfterS: waitS,
      },
    );
  }
  return { attempts, ownAttempts: Math.max(0, ownAttempts), note: notes.join("; ") };
}

/** An order drawn by weight without replacement: the first place goes to each deployment in proportion to its weight. */
export function weightedOrder(deployments: readonly Deployment[], random: () => number): Deployment[] {
  const left = [...deployments];
  const order: Deployment[] = [];
  while (left.length > 0) {
    const total = left.reduce((sum, d) => sum + d.weight, 0);
    let pick = left.length - 1;
    if (total > 0) {
      let r = random() * total;
      for (let i = 0; i < left.length; i++) {
        r -= left[i]!.weight;
        if (r < 0) {
          pick = i;
          break;
        }
      }
    } else pick = Math.floor(random() * left.length);
    order.push(...left.splice(pick, 1));
  }
  return order;
}

/** With probability `share`, one of the others goes first so its latency is measured again. */
function explore(ranked: Deployment[], share: number, random: () => number, notes: string[]): Deployment[] {
  if (ranked.length < 2 || random() >= share) return ranked;
  const index = 1 + Math.floor(random() * (ranked.length - 1));
  notes.push(`exploring ${ranked[index]!.id}`);
  return [ranked[index]!, ...ranked.slice(0, index), ...ranked.slice(index + 1)];
}

/** Fewest in flight first; ties in random order so equal deployments share the load. */
function leastBusy(deployments: Deployment[], inFlight: InFlightView, random: () => number, notes: string[]): Deployment[] {
  const counted = deployments.map((d) => ({ d, n: inFlight.count(d.id), tie: random() }));
  counted.sort((a, b) => a.n - b.n || a.tie - b.tie);
  notes.push(`in flight ${counted.map((c) => `${c.d.id}=${c.n}`).join(" ")}`);
  return counted.map((c) => c.d);
}
