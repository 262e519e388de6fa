import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConnectorService, PolicyService } from "@switchyard/proto";
import { createClient, GrpcStatus, type RunningServer, startGrpcServer } from "./index.js";
import { meshSecretFrom, secretMatcher, unprotectedBindProblem } from "./mesh-auth.js";

const SECRET = "mesh-secret-for-tests-0123456789";

describe("mesh secret", () => {
  let server: RunningServer;
  let handled = 0;

  before(async () => {
    server = await startGrpcServer(
      "127.0.0.1",
      0,
      (s) => {
        s.add(PolicyService, {
          authorize: (_request, context) => {
            handled++;
            return {
              allowed: true,
              keyName: context.metadata.get("x-switchyard-mesh-secret").length === 0 ? "secret-stripped" : "secret-visible",
            };
          },
          admin: () => ({}),
        });
        s.add(ConnectorService, {
          async *generate() {
            handled++;
            yield { event: { case: "usage", value: { totalTokens: 1 } } };
          },
        });
      },
      undefined,
      undefined,
      { meshSecret: SECRET },
    );
  });
  after(() => server.shutdown(1_000));

  for (const multiplex of [true, false]) {
    const how = multiplex ? "on a multiplexed stream" : "as calls of their own";
    it(`refuses calls without the secret or with a wrong one as UNAUTHENTICATED, ${how}, before any handler runs`, async () => {
      const before = handled;
      for (const meshSecret of [undefined, "a-wrong-secret-of-the-same-size", `${SECRET}x`]) {
        const client = createClient(PolicyService, `127.0.0.1:${server.port}`, { multiplex, meshSecret });
        await assert.rejects(client.authorize({ apiKey: "k" }), (error: { code: number }) => error.code === GrpcStatus.UNAUTHENTICATED);
        const connector = createClient(ConnectorService, `127.0.0.1:${server.port}`, { multiplex, meshSecret });
        await assert.rejects(
          (async () => {
            for await (const _ of connector.generate({ requestId: "r" })) void _;
          })(),
          (error: { code: number }) => error.code === GrpcStatus.UNAUTHENTICATED,
        );
        client.close();
        connector.close();
      }
      assert.equal(handled, before, "no handler ran");
    });

    it(`serves calls that carry the secret, ${how}, and keeps it from the handler`, async () => {
      const client = createClient(PolicyService, `127.0.0.1:${server.port}`, { multiplex, meshSecret: SECRET });
      const answer = await client.authorize({ apiKey: "k" });
      assert.equal(answer.allowed, true);
      assert.equal(answer.keyName, "secret-stripped");
      client.close();
    });
  }

  it("refuses to start on a non-loopback host without a secret", async () => {
    await assert.rejects(
      startGrpcServer("0.0.0.0", 0, (s) => s.add(PolicyService, { authorize: () => ({}), admin: () => ({}) }), undefined, undefined, {
        meshSecret: "",
      }),
      (error: Error) => error.name === "ConfigError" && /SWITCHYARD_MESH_SECRET/.test(error.message),
    );
    assert.equal(unprotectedBindProblem("127.0.0.1", undefined), undefined);
    assert.equal(unprotectedBindProblem("::1", undefined), undefined);
    assert.equal(unprotectedBindProblem("0.0.0.0", SECRET), undefined);
    assert.match(unprotectedBindProblem("10.0.0.5", undefined) ?? "", /refusing/);
  });

  it("refuses a short secret and compares secrets exactly", () => {
    assert.throws(() => meshSecretFrom("short"), /at least 16/);
    assert.equal(meshSecretFrom(undefined, {}), undefined);
    assert.equal(meshSecretFrom(undefined, { SWITCHYARD_MESH_SECRET: SECRET }), SECRET);
    const matches = secretMatcher(SECRET);
    assert.equal(matches(SECRET), true);
    assert.equal(matches(SECRET.slice(0, -1)), false);
    assert.equal(matches(undefined), false);
  });
});
