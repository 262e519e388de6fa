import { create } from "@bufbuild/protobuf";
import { GatewayError } from "@switchyard/errors";
import type { HandlersOf } from "@switchyard/grpc";
import { AdminResponseSchema, type PolicyService } from "@switchyard/proto";
import type { AdminOperations } from "./admin.js";
import type { Authorizer } from "./authorizer.js";

export function policyHandlers(authorizer: Authorizer, admin: AdminOperations | undefined): HandlersOf<typeof PolicyService> {
  return {
    authorize(request) {
      return authorizer.authorize(request.apiKey, request.model);
    },
    async admin(request) {
      try {
        if (!admin) throw new GatewayError("service_unavailable", "The admin API needs Redis, which policy is not connected to.");
        const body = request.bodyJson ? (JSON.parse(request.bodyJson) as Record<string, unknown>) : {};
        const result = await admin.run(request.operation, request.id, body, request.callerKeyName);
        return create(AdminResponseSchema, { status: result.status, bodyJson: JSON.stringify(result.body) });
      } catch (error) {
        if (error instanceof GatewayError) return create(AdminResponseSchema, { failure: error.toFailure() });
        throw error;
      }
    },
  };
}
