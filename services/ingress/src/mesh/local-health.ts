/**
 * What this ingress saw itself, before the router's view (learned from the usage events) comes
 * back in a fresh plan: a deployment that just asked for a pause or just completed a failure
 * streak is skipped by this ingress at once.
 */
export class LocalHealth {
  private readonly failures = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();

  /** Records one attempt's outcome. `cooldown` is the plan's breaker setting (after 0: off). */
  observe(
    deploymentId: string,
    outcome: "ok" | "failed" | "other",
    retryAfterS: number,
    cooldown: { afterFailures: number; ms: number },
    now = Date.now(),
  ): void {
    if (outcome === "ok") {
      this.failures.delete(deploymentId);
      this.pausedUntil.delete(deploymentId);
      return;
    }
    if (outcome !== "failed") return;
    const streak = (this.failures.get(deploymentId) ?? 0) + 1;
    this.failures.set(deploymentId, streak);
    let until = retryAfterS > 0 ? now + retryAfterS * 1_000 : 0;
    if (cooldown.afterFailures > 0 && streak >= cooldown.afterFailures) {
      until = Math.max(until, now + cooldown.ms);
      this.failures.delete(deploymentId); // the streak starts again at the half-open probe
    }
    if (until > (this.pausedUntil.get(deploymentId) ?? 0)) this.pausedUntil.set(deploymentId, until);
  }

  /** Until when this ingress skips the deployment; undefined when it does not. */
  skipUntil(deploymentId: string, now = Date.now()): number | undefined {
    if (this.pausedUntil.size === 0) return undefined;
    const until = this.pausedUntil.get(deploymentId);
    if (until === undefined) return undefined;
    if (until > now) return until;
    this.pausedUntil.delete(deploymentId);
    return undefined;
  }
}
