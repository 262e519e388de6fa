/** How the launcher restarts a service that exits on its own. */
export interface RestartSettings {
  /** Wait before the first restart; doubled after every quick crash in a row. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A run shorter than this is a quick crash; a longer one resets the count and the backoff. */
  quickCrashMs: number;
  /** Quick crashes in a row after which the service is given up on (a crash loop). */
  maxQuickCrashes: number;
}

export const DEFAULT_RESTART: RestartSettings = {
  initialBackoffMs: 100,
  maxBackoffMs: 10_000,
  quickCrashMs: 10_000,
  maxQuickCrashes: 5,
};

export type RestartDecision = { restartInMs: number; quickCrashes: number } | { giveUp: string; quickCrashes: number };

/** Exponential backoff over quick crashes in a row, and the point at which it stops trying. */
export class RestartPolicy {
  private quickCrashes = 0;

  constructor(private readonly settings: RestartSettings = DEFAULT_RESTART) {}

  /** Decides what follows a run that lasted `ranMs` and ended on its own. */
  afterExit(ranMs: number): RestartDecision {
    const { initialBackoffMs, maxBackoffMs, quickCrashMs, maxQuickCrashes } = this.settings;
    if (ranMs >= quickCrashMs) this.quickCrashes = 0;
    // A long run that ends is still restarted at once; only crashes in a row back off.
    const backoff = Math.min(maxBackoffMs, initialBackoffMs * 2 ** this.quickCrashes);
    if (ranMs < quickCrashMs) this.quickCrashes++;
    if (this.quickCrashes > maxQuickCrashes) {
      return {
        giveUp: `crashed ${this.quickCrashes} times in a row, each within ${Math.round(quickCrashMs / 1000)} s of starting`,
        quickCrashes: this.quickCrashes,
      };
    }
    return { restartInMs: backoff, quickCrashes: this.quickCrashes };
  }
}
