import { GatewayError } from "@switchyard/errors";
import type { AuthorizeResponse, BudgetRule, LimitRule, TokenUsage } from "@switchyard/proto";
import { type Period, periodEnd, periodId, spendKey } from "@switchyard/spend";
import type { Redis } from "ioredis";
import type { BucketSpec, LimitVerdict, ParallelSpec } from "./buckets.js";
import type { RateLimiter } from "./limiter.js";

const MINUTE_MS = 60_000;
const PERIOD_ADJECTIVE: Record<string, string> = { day: "daily", week: "weekly", month: "monthly", total: "total" };
const DAY_MS = 86_400_000;

/** What one request asks of the limits. */
export interface AdmissionRequest {
  requestId: string;
  /** Prompt tokens, estimated, plus the most the answer may use (`max_tokens`). */
  reserveTokens: number;
  /** The request's metadata (header or body), for limits per metadata value. */
  metadata: Record<string, string>;
}

/** A request let through: its rate-limit headers, and the settle to call once its usage is known. */
export interface Admission {
  headers: Record<string, string>;
  settle(usage: TokenUsage | undefined): void;
}

const NOTHING_TO_SETTLE: Admission = { headers: {}, settle: () => {} };

/**
 * Applies a key's limits and budgets to one request: the verdict of policy (which limits and
 * budgets apply) is reused; what has been used is in Redis, shared by every ingress replica.
 */
export class Admissions {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly redis: Redis | undefined,
    private readonly prefix: string,
    private readonly onBudgetUnchecked: (error: unknown) => void,
  ) {}

  async admit(auth: AuthorizeResponse, request: AdmissionRequest, now = Date.now()): Promise<Admission> {
    if (auth.limits.length === 0 && auth.budgets.length === 0) return NOTHING_TO_SETTLE;
    const { buckets, kinds, parallel, labels } = this.plan(auth.limits, request);
    const [verdict, overBudget] = await Promise.all([
      buckets.length + parallel.length > 0 ? this.limiter.take(buckets, parallel, request.requestId, now) : undefined,
      this.overBudget(auth.budgets, now),
    ]);
    const headers = verdict ? rateLimitHeaders(buckets, kinds, verdict) : {};
    const release = (usedTokens: number, refundRequests: boolean) => {
      if (!verdict?.allowed) return;
      const refunds = buckets
        .map((b, i) => ({ ...b, refund: kinds[i] === "tokens" ? b.cost - usedTokens : refundRequests ? b.cost : 0 }))
        .filter((b) => b.refund !== 0);
      this.limiter.settle(refunds, parallel, request.requestId, verdict.local);
    };
    if (verdict && !verdict.allowed) {
      throw withHeaders(
        new GatewayError(
          "rate_limit_exceeded",
          `Rate limit reached for ${labels[verdict.refusedBy] ?? "this key"}. Try again in ${formatDuration(verdict.retryMs)}.`,
          {
            retryAfterS: Math.max(1, Math.ceil(verdict.retryMs / 1000)),
          },
        ),
        headers,
      );
    }
    if (overBudget) {
      release(0, true);
      throw withHeaders(overBudget, headers);
    }
    let settled = false;
    return {
      headers,
      settle: (usage) => {
        if (settled) return;
        settled = true;
        release(usage?.totalTokens || (usage ? usage.promptTokens + usage.completionTokens : 0), false);
      },
    };
  }

  private plan(rules: readonly LimitRule[], request: AdmissionRequest) {
    const buckets: BucketSpec[] = [];
    const kinds: ("requests" | "tokens")[] = [];
    const parallel: ParallelSpec[] = [];
    const labels: string[] = [];
    const base = `${this.prefix}{rl}:`;
    for (const rule of rules) {
      let scope = rule.scope;
      if (rule.metadataField) {
        const value = request.metadata[rule.metadataField];
        if (value === undefined) continue; // a request without the field is not limited per value
        scope = `${scope}=${value}`;
      }
      const add = (suffix: string, capacity: number, windowMs: number, cost: number, kind: "requests" | "tokens", label: string) => {
        buckets.push({ key: `${base}${scope}:${suffix}`, capacity, windowMs, cost });
        kinds.push(kind);
        labels.push(`${label} of ${scope}`);
      };
      if (rule.rpm) add("rpm", rule.rpm, MINUTE_MS, 1, "requests", `requests per minute (${rule.rpm})`);
      if (rule.rpd) add("rpd", rule.rpd, DAY_MS, 1, "requests", `requests per day (${rule.rpd})`);
      if (rule.tpm) add("tpm", rule.tpm, MINUTE_MS, Math.min(request.reserveTokens, rule.tpm), "tokens", `tokens per minute (${rule.tpm})`);
    }
    for (const rule of rules) {
      if (!rule.maxParallel) continue;
      let scope = rule.scope;
      if (rule.metadataField) {
        const value = request.metadata[rule.metadataField];
        if (value === undefined) continue;
        scope = `${scope}=${value}`;
      }
      parallel.push({ key: `${base}${scope}:parallel`, max: rule.maxParallel });
      labels.push(`requests in flight (${rule.maxParallel}) of ${scope}`);
    }
    return { buckets, kinds, parallel, labels };
  }

  /** The first budget whose period's spend has reached it, as the error to send; undefined when none has. */
  private async overBudget(budgets: readonly BudgetRule[], now: number): Promise<GatewayError | undefined> {
    if (budgets.length === 0 || !this.redis) return undefined;
    const at = new Date(now);
    let spent: (string | null)[];
    try {
      spent = await Promise.all(
        budgets.map((b) => this.redis!.hget(spendKey(this.prefix, b.scope, periodId(b.period as Period, at)), "cost_usd")),
      );
    } catch (error) {
      this.onBudgetUnchecked(error);
      return undefined;
    }
    for (let i = 0; i < budgets.length; i++) {
      const budget = budgets[i]!;
      const usd = Number(spent[i] ?? 0);
      if (usd < budget.usd) continue;
      const end = periodEnd(budget.period as Period, at);
      const [kind, name] = [budget.scope.slice(0, budget.scope.indexOf(":")), budget.scope.slice(budget.scope.indexOf(":") + 1)];
      const resets = end ? `it resets at ${end.toISOString()}` : "it is a total budget and does not reset";
      return new GatewayError(
        "budget_exceeded",
        `The ${PERIOD_ADJECTIVE[budget.period] ?? budget.period} budget of ${kind} "${name}" ($${budget.usd}) is used up ($${round(usd)} spent); ${resets}.`,
        end ? { retryAfterS: Math.max(1, Math.ceil((end.getTime() - now) / 1000)) } : {},
      );
    }
    return undefined;
  }
}

/** Headers a GatewayError carries to the response besides its own (rate-limit state). */
const extraHeaders = new WeakMap<GatewayError, Record<string, string>>();

function withHeaders(error: GatewayError, headers: Record<string, string>): GatewayError {
  extraHeaders.set(error, headers);
  return error;
}

export function headersOfError(error: unknown): Record<string, string> | undefined {
  return error instanceof GatewayError ? extraHeaders.get(error) : undefined;
}

/** OpenAI's x-ratelimit-* headers for the tightest request limit and the tightest token limit. */
function rateLimitHeaders(buckets: readonly BucketSpec[], kinds: readonly string[], verdict: LimitVerdict): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const kind of ["requests", "tokens"] as const) {
    let tightest = -1;
    for (let i = 0; i < buckets.length; i++) {
      if (kinds[i] !== kind) continue;
      if (
        tightest < 0 ||
        verdict.buckets[i]!.remaining / buckets[i]!.capacity < verdict.buckets[tightest]!.remaining / buckets[tightest]!.capacity
      )
        tightest = i;
    }
    if (tightest < 0) continue;
    const state = verdict.buckets[tightest]!;
    headers[`x-ratelimit-limit-${kind}`] = String(buckets[tightest]!.capacity);
    headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, Math.floor(state.remaining)));
    headers[`x-ratelimit-reset-${kind}`] = formatDuration(state.resetMs);
  }
  return headers;
}

/** A duration as OpenAI writes it in x-ratelimit-reset-*: `20ms`, `6s`, `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
