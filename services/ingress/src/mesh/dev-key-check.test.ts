import assert from "node:assert/strict";
import { it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { DEV_ADMIN_KEY } from "@switchyard/config";
import { AuthorizeResponseSchema, ErrorClass } from "@switchyard/proto";
import { pino } from "pino";
import { devKeyExposure } from "./dev-key-check.js";

const logger = pino({ level: "silent" });
const answering = (answer: Parameters<typeof create<typeof AuthorizeResponseSchema>>[1], asked: string[] = []) => ({
  authorize: async (request: { apiKey?: string }) => {
    asked.push(request.apiKey ?? "");
    return create(AuthorizeResponseSchema, answer);
  },
});

it("lets the ingress listen when policy does not know the development key", async () => {
  const asked: string[] = [];
  const policy = answering({ allowed: false, failure: { class: ErrorClass.CLIENT, code: "invalid_api_key" } }, asked);
  assert.equal(await devKeyExposure(policy, "0.0.0.0", "c.yaml", logger), undefined);
  assert.deepEqual(asked, [DEV_ADMIN_KEY]);
});

it("refuses when the key works, and when it exists but is refused for another reason", async () => {
  assert.match(
    (await devKeyExposure(answering({ allowed: true, keyName: "dev" }), "0.0.0.0", "c.yaml", logger)) ?? "",
    /key "dev" is the public development key .*0\.0\.0\.0.*c\.yaml/,
  );
  const overBudget = answering({ allowed: false, keyName: "dev", failure: { class: ErrorClass.CLIENT, code: "budget_exceeded" } });
  assert.match((await devKeyExposure(overBudget, "0.0.0.0", "c.yaml", logger)) ?? "", /development key/);
});

it("waits for a policy that is not up yet, and gives up with an error after its deadline", async () => {
  let calls = 0;
  const late = {
    authorize: async () => {
      if (++calls < 3) throw new Error("UNAVAILABLE");
      return create(AuthorizeResponseSchema, { allowed: false, failure: { code: "invalid_api_key" } });
    },
  };
  assert.equal(await devKeyExposure(late, "0.0.0.0", "c.yaml", logger, { retryMs: 5 }), undefined);
  assert.equal(calls, 3);
  const never = { authorize: async () => Promise.reject(new Error("UNAVAILABLE")) };
  await assert.rejects(devKeyExposure(never, "0.0.0.0", "c.yaml", logger, { retryMs: 5, giveUpMs: 30 }), /policy did not answer within/);
});
