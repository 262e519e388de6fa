import { SERVICE_PORTS, portOf } from "@switchyard/config";
import { startGrpcServer } from "@switchyard/grpc";
import { PolicyService } from "@switchyard/proto";
import { runService } from "@switchyard/service-kit";
import { policyHandlers } from "./handlers.js";
import { KeyStore } from "./key-store.js";

await runService("policy", SERVICE_PORTS.policy.ops, async ({ env, config, logger }) => {
  const keys = KeyStore.fromConfig(config);
  const server = await startGrpcServer(
    env.GRPC_HOST,
    portOf(env.GRPC_PORT, SERVICE_PORTS.policy.grpc),
    (s) => s.add(PolicyService, policyHandlers(() => keys)),
    (error, method) => logger.error({ err: error, method }, "handler failed"),
    env.GRPC_SOCKET,
  );
  return {
    readiness: () => [],
    shutdown: [["grpc server", () => server.shutdown()]],
    details: { grpcPort: server.port, keys: config.keys.length },
  };
}, { needsKeys: true });
