import type { HandlersOf } from "@switchyard/grpc";
import { GatewayError } from "@switchyard/errors";
import type { PolicyService } from "@switchyard/proto";
import type { KeyStore } from "./key-store.js";

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
        };
      } catch (error) {
        if (error instanceof GatewayError) return { allowed: false, failure: error.toFailure() };
        throw error;
      }
    },
  };
}
