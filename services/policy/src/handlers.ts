import type { HandlersOf } from "@switchyard/grpc";
import { GatewayError } from "@switchyard/errors";
import type { PolicyService } from "@switchyard/proto";
import type { KeyStore } from "./key-store.js";

/**
 * Keys and their models only change with the config today, so a decision holds for a while; a
 * key change will publish an invalidation that callers honour before this runs out.
 */
export const DECISION_REUSE_MS = 5_000;

export function policyHandlers(keys: () => KeyStore): HandlersOf<typeof PolicyService> {
  return {
    authorize(request) {
      try {
        const principal = keys().authorize(request.apiKey, request.model);
        return {
          allowed: true,
          keyName: principal.keyName,
          role: principal.role,
          team: principal.team,
          allowedModels: principal.allowedModels,
          reuseMs: DECISION_REUSE_MS,
        };
      } catch (error) {
        if (error instanceof GatewayError) return { allowed: false, failure: error.toFailure(), reuseMs: DECISION_REUSE_MS };
        throw error;
      }
    },
  };
}
