import { GatewayError } from "@switchyard/errors";
import type { AuthorizeResponse } from "@switchyard/proto";
import type { Logger } from "@switchyard/telemetry";
import type { MeshClients } from "../mesh/clients.js";

export interface VerdictEvents {
  /** Policy did not answer; a key it allowed before was served from its last verdict. */
  onStale(): void;
  /** Policy did not answer and there was no recent verdict to fall back on. */
  onUnavailable(): void;
}

/**
 * Policy's verdicts on keys: reused for as long as policy says (and dropped at once when it
 * publishes a change), and, while policy is unreachable, a key it allowed keeps being served from
 * its last verdict for `staleMs`. Unknown keys are refused then: there is nothing to go on.
 */
export class Verdicts {
  private readonly lastAllowed = new Map<string, { verdict: AuthorizeResponse; at: number }>();
  private lastWarning = 0;

  constructor(
    private readonly mesh: Pick<MeshClients, "policy" | "decisions">,
    private readonly staleMs: number,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly events: VerdictEvents,
    private readonly maxEntries = 10_000,
  ) {}

  async authorize(apiKey: string, model: string, requestId: string, now = Date.now()): Promise<AuthorizeResponse> {
    const id = `${apiKey}\u0000${model}`;
    const known = this.mesh.decisions.auth.get(id, now);
    if (known) return known;
    let fresh: AuthorizeResponse;
    try {
      fresh = await this.mesh.policy.authorize({ apiKey, model, requestId }, { timeoutMs: this.timeoutMs });
    } catch (error) {
      const last = this.lastAllowed.get(id);
      if (last && now - last.at <= this.staleMs) {
        this.events.onStale();
        this.warn(now, error, "policy unreachable: serving a known key from its last verdict");
        return last.verdict;
      }
      this.events.onUnavailable();
      this.warn(now, error, "policy unreachable: refusing a key without a recent verdict");
      throw new GatewayError("service_unavailable", "The gateway's policy service is unavailable; try again shortly.", {
        retryAfterS: 1,
        cause: error,
      });
    }
    this.mesh.decisions.auth.set(id, fresh, fresh.reuseMs, now);
    if (fresh.allowed) {
      if (this.lastAllowed.size >= this.maxEntries && !this.lastAllowed.has(id))
        this.lastAllowed.delete(this.lastAllowed.keys().next().value as string);
      this.lastAllowed.set(id, { verdict: fresh, at: now });
    } else {
      this.lastAllowed.delete(id);
    }
    return fresh;
  }

  /** One line a second at most: an outage must not flood the log. */
  private warn(now: number, error: unknown, message: string): void {
    if (now - this.lastWarning < 1_000) return;
    this.lastWarning = now;
    this.logger.warn({ err: error instanceof Error ? error.message : String(error), staleForS: this.staleMs / 1000 }, message);
  }
}
