import { SERVICE_PORTS, portOf } from "@switchyard/config";
import { startGrpcServer } from "@switchyard/grpc";
import { RouterService } from "@switchyard/proto";
import { runService } from "@switchyard/service-kit";
import { routerHandlers } from "./handlers.js";
import { Planner } from "./planner.js";

await runService("router", SERVICE_PORTS.router.ops, async ({ env, config, logger }) => {
  const planner = new Planner(config);
  const server = await startGrpcServer(
    env.GRPC_HOST,
    portOf(env.GRPC_PORT, SERVICE_PORTS.router.grpc),
    (s) => s.add(RouterService, routerHandlers(() => planner)),
    (error, method) => logger.error({ err: error, method }, "handler failed"),
    env.GRPC_SOCKET,
  );
  return {
    readiness: () => [],
    shutdown: [["grpc server", () => server.shutdown()]],
    details: { grpcPort: server.port, models: Object.keys(config.models) },
  };
});
