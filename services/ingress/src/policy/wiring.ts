import type { GatewayConfig } from "@switchyard/config";
import { Counter, type Logger, type Registry } from "@switchyard/telemetry";
import type { MeshClients } from "../mesh/clients.js";
import { Admissions } from "./gate.js";
import { RateLimiter } from "./limiter.js";
import { RequestPolicy } from "./request-policy.js";
import { Verdicts } from "./verdicts.js";

/** The ingress's policy step, with its metrics and the log lines that say when it degrades. */
export function createRequestPolicy(
  mesh: MeshClients,
  config: GatewayConfig,
  logger: Logger,
  registry: Registry,
  controlTimeoutMs: number,
): RequestPolicy {
  const degraded = new Counter({
    name: "switchyard_policy_degraded_total",
    help: "Requests judged without a dependency: `stale_verdict` (policy unreachable, last verdict reused), `refused` (policy unreachable, no verdict), `local_limits` (Redis unreachable, this replica's own limits), `budget_unchecked`",
    labelNames: ["reason"],
    registers: [registry],
  });
  const verdicts = new Verdicts(mesh, config.policy.stale_verdict_s * 1000, controlTimeoutMs, logger, {
    onStale: () => degraded.inc({ reason: "stale_verdict" }),
    onUnavailable: () => degraded.inc({ reason: "refused" }),
  });
  let lastWarning = 0;
  const warn = (message: string, error: unknown) => {
    const now = Date.now();
    if (now - lastWarning < 1_000) return;
    lastWarning = now;
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, message);
  };
  const limiter = new RateLimiter(mesh.limitsRedis, config.policy.ingress_replicas, {
    onFallback: (error) => {
      degraded.inc({ reason: "local_limits" });
      warn("redis unreachable: rate limits enforced per replica", error);
    },
  });
  const admissions = new Admissions(limiter, mesh.limitsRedis, mesh.redisPrefix ?? "", (error) => {
    degraded.inc({ reason: "budget_unchecked" });
    warn("redis unreachable: budgets not checked", error);
  });
  return new RequestPolicy(verdicts, admissions);
}
