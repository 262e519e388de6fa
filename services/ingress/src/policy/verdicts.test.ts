import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AuthorizeResponseSchema } from "@switchyard/proto";
import { pino } from "pino";
import { createDecisions, type MeshClients } from "../mesh/clients.js";
import { Verdicts } from "./verdicts.js";

describe("Verdicts while policy is unreachable", () => {
  it("serves a key policy allowed before from its last verdict for a bounded time, and refuses unknown keys", async () => {
    let up = true;
    const decisions = createDecisions();
    const policy = {
      authorize: async ({ apiKey }: { apiKey: string }) => {
        if (!up) throw new Error("connect ECONNREFUSED");
        return create(AuthorizeResponseSchema, { allowed: apiKey === "good", keyName: apiKey, reuseMs: 1_000 });
      },
    };
    const events = { stale: 0, refused: 0 };
    const verdicts = new Verdicts(
      { policy, decisions } as unknown as Pick<MeshClients, "policy" | "decisions">,
      60_000,
      100,
      pino({ level: "silent" }),
      {
        onStale: () => events.stale++,
        onUnavailable: () => events.refused++,
      },
    );
    const t0 = 1_000_000;
    assert.equal((await verdicts.authorize("good", "m", "r", t0)).allowed, true);
    assert.equal((await verdicts.authorize("bad", "m", "r", t0)).allowed, false);
    up = false;
    assert.equal((await verdicts.authorize("good", "m", "r", t0 + 500)).allowed, true, "still reused as policy allowed");
    assert.equal((await verdicts.authorize("good", "m", "r", t0 + 30_000)).allowed, true, "served from the last verdict");
    assert.equal(events.stale, 1);
    await assert.rejects(verdicts.authorize("good", "m", "r", t0 + 61_000), /policy service is unavailable/, "not beyond the bound");
    await assert.rejects(verdicts.authorize("bad", "m", "r", t0 + 1_000), /unavailable/, "a refused key is not let in");
    await assert.rejects(verdicts.authorize("never-seen", "m", "r", t0 + 1_000), /unavailable/);
    assert.equal(events.refused, 3);
  });
});
