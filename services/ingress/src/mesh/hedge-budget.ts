/**
 * Caps hedged requests at a share of a model's requests: every request credits `share` of a
 * hedge (up to one in reserve), a hedge spends a whole one. Over any long run the hedged share
 * stays at or under `share`, and a quiet model cannot save up a burst of hedges.
 */
export class HedgeBudget {
  private readonly credit = new Map<string, number>();

  /** Credits one request of `model`. */
  earn(model: string, share: number): void {
    this.credit.set(model, Math.min(1, (this.credit.get(model) ?? 0) + share));
  }

  /** Spends a hedge when one is available. */
  take(model: string): boolean {
    const credit = this.credit.get(model) ?? 0;
    if (credit < 1 - 1e-9) return false;
    this.credit.set(model, credit - 1);
    return true;
  }
}
