import { compilePattern } from "./patterns.js";
import { addCounts, PII_KINDS, type PiiCounts, type PiiKind, redactPii } from "./pii.js";

/** The config's `guardrails` section (see @switchyard/config), as the checks read it. */
export interface GuardrailRules {
  pii?: { mode?: "redact" | "block" | "log"; kinds?: readonly PiiKind[] };
  deny?: readonly string[];
  allow?: readonly string[];
  webhook?: { url: string; timeout_ms?: number; on_error?: "allow" | "block" };
  output?: { pii?: "redact" | "log" | "off" };
}

/** What the checks found; `blocked` names the rule that refused the prompt. */
export interface InputVerdict {
  blocked?: string;
  pii: PiiCounts;
  /** The texts after redaction, in the order given; absent when nothing changed. */
  redacted?: string[];
  /** Deny rules that matched (their index), and the webhook's say, for the report. */
  notes: string[];
}

/** Rules compiled once per distinct set (keys share them), then applied to every prompt. */
export class CompiledGuardrails {
  readonly piiMode: "redact" | "block" | "log" | undefined;
  readonly piiKinds: readonly PiiKind[];
  readonly outputPii: "redact" | "log" | "off";
  private readonly deny: { source: string; regexp: RegExp }[];
  private readonly allow: RegExp[];
  readonly webhook: GuardrailRules["webhook"];

  constructor(readonly rules: GuardrailRules) {
    this.piiMode = rules.pii ? (rules.pii.mode ?? "redact") : undefined;
    this.piiKinds = rules.pii?.kinds ?? PII_KINDS;
    this.outputPii = rules.output?.pii ?? "off";
    this.deny = (rules.deny ?? []).map((source) => ({ source, regexp: compilePattern(source) }));
    this.allow = (rules.allow ?? []).map(compilePattern);
    this.webhook = rules.webhook;
  }

  /** Checks the prompt's texts (message contents) without the webhook, which the caller awaits separately. */
  checkInput(texts: readonly string[]): InputVerdict {
    const verdict: InputVerdict = { pii: {}, notes: [] };
    for (const [i, rule] of this.deny.entries()) {
      if (texts.some((text) => rule.regexp.test(text))) {
        verdict.notes.push(`deny:${i}`);
        verdict.blocked = `deny[${i}] ${JSON.stringify(rule.source)}`;
        return verdict;
      }
    }
    if (this.allow.length > 0 && !texts.some((text) => this.allow.some((regexp) => regexp.test(text)))) {
      verdict.notes.push("allow:none");
      verdict.blocked = "allow (the prompt matches none of the allowed patterns)";
      return verdict;
    }
    if (!this.piiMode) return verdict;
    let changed = false;
    const redacted = texts.map((text) => {
      const result = redactPii(text, this.piiKinds);
      addCounts(verdict.pii, result.counts);
      if (result.text !== text) changed = true;
      return result.text;
    });
    const found = Object.keys(verdict.pii);
    if (found.length > 0 && this.piiMode === "block") verdict.blocked = `pii (${found.join(", ")})`;
    else if (changed && this.piiMode === "redact") verdict.redacted = redacted;
    return verdict;
  }
}

/** `x-switchyard-guardrails`: `pii:email=1,credit_card=1`, then other hits after `; `. */
export function formatHits(input: PiiCounts, notes: readonly string[], output: PiiCounts = {}): string {
  const parts: string[] = [];
  const list = (counts: PiiCounts) =>
    Object.entries(counts)
      .map(([kind, n]) => `${kind}=${n}`)
      .join(",");
  if (Object.keys(input).length > 0) parts.push(`pii:${list(input)}`);
  parts.push(...notes);
  if (Object.keys(output).length > 0) parts.push(`output-pii:${list(output)}`);
  return parts.join("; ");
}

export interface WebhookVerdict {
  allow: boolean;
  reason: string;
}

/**
 * Asks an outside service about a prompt: `POST {model, messages}` → `{allow, reason?}`. A timeout,
 * a failed call or an unreadable answer counts as `on_error` says.
 */
export async function askWebhook(
  webhook: NonNullable<GuardrailRules["webhook"]>,
  payload: unknown,
  fetchImpl: typeof fetch = fetch,
): Promise<WebhookVerdict> {
  const onError = webhook.on_error ?? "allow";
  try {
    const response = await fetchImpl(webhook.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(webhook.timeout_ms ?? 500),
    });
    if (!response.ok) throw new Error(`status ${response.status}`);
    const answer = (await response.json()) as { allow?: unknown; reason?: unknown };
    if (typeof answer.allow !== "boolean") throw new Error("the answer has no boolean `allow`");
    return { allow: answer.allow, reason: typeof answer.reason === "string" ? answer.reason : "" };
  } catch (error) {
    const why = error instanceof Error && error.name === "TimeoutError" ? "timeout" : "error";
    return { allow: onError === "allow", reason: `webhook ${why}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
