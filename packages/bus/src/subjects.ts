/** Public names on NATS; part of the contract in shared/DESIGN.md. */
export const USAGE_STREAM = "SWITCHYARD_USAGE";
export const USAGE_SUBJECT_PREFIX = "switchyard.usage";
export const USAGE_SUBJECTS = `${USAGE_SUBJECT_PREFIX}.>`;

/** Connector replicas announce themselves here (core NATS, not persisted). */
export const CONNECTOR_ANNOUNCE_SUBJECT = "switchyard.registry.connector";
/** A replica leaving says so here, so callers stop using it at once. */
export const CONNECTOR_LEAVE_SUBJECT = "switchyard.registry.connector.leave";
/** Asks every connector to announce itself now (a new ingress does this at start). */
export const CONNECTOR_DISCOVER_SUBJECT = "switchyard.registry.discover";

export const USAGE_OUTCOMES = ["success", "cache_hit", "rejected", "failed", "cancelled"] as const;
export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];

export function usageSubject(outcome: UsageOutcome): string {
  return `${USAGE_SUBJECT_PREFIX}.${outcome}`;
}

/**
 * Anyone who changes keys, limits or routes publishes here; callers that reuse policy decisions
 * or router plans drop them at once. The payload names what changed (`policy`, `router`) or is empty for all.
 */
export const CONTROL_INVALIDATE_SUBJECT = "switchyard.control.invalidate";

/** The budget consumer says here when a key's or team's spend crosses 50, 80 or 100% of its budget (JSON). */
export const BUDGET_ALERT_SUBJECT = "switchyard.budget.alert";
