import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SERVICE_PORTS } from "@switchyard/config";
import { PORT_VARIABLES, portsFromEnv } from "./ports.js";

describe("ports from the environment", () => {
  it("has a variable for every port of every service", () => {
    for (const [service, kinds] of Object.entries(SERVICE_PORTS)) {
      assert.deepEqual(Object.keys(PORT_VARIABLES[service as keyof typeof SERVICE_PORTS]).sort(), Object.keys(kinds).sort(), service);
    }
  });

  it("reads the ports that are set, 0 included, and leaves the rest to the defaults", () => {
    assert.deepEqual(portsFromEnv({ SWITCHYARD_PORT: "0", SWITCHYARD_ROUTER_GRPC_PORT: "17003", SWITCHYARD_LOGGER_OPS_PORT: "" }), {
      ingress: { http: 0 },
      router: { grpc: 17003 },
    });
  });

  it("names the variable whose value is not a port", () => {
    assert.throws(() => portsFromEnv({ SWITCHYARD_POLICY_OPS_PORT: "90001" }), /SWITCHYARD_POLICY_OPS_PORT="90001" is not a port/);
    assert.throws(() => portsFromEnv({ SWITCHYARD_CONNECTOR_GRPC_PORT: "x" }), /SWITCHYARD_CONNECTOR_GRPC_PORT/);
  });
});
