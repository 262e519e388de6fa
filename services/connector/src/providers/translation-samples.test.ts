import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conformanceTargets } from "./conformance-targets.js";
import { translationSamples } from "./translation-samples.js";

describe("translation samples", () => {
  it("translate a chat body, an answer and a stream for the benchmark", () => {
    const body = { model: "public", messages: [{ role: "user", content: "hello" }], max_tokens: 10 };
    for (const sample of translationSamples) {
      const request = sample.request(body, "upstream-model");
      assert.ok(typeof request === "object" && request !== null, sample.kind);
      assert.ok(JSON.stringify(request).includes("hello"), `${sample.kind}: the request carries the text`);
      const answer = sample.response();
      assert.equal(answer.object, "chat.completion", sample.kind);
      assert.ok(answer.choices.length > 0, sample.kind);
      assert.ok(sample.stream() > 0, `${sample.kind}: events translated`);
    }
  });

  it("exist for every kind the conformance suite runs over HTTP", () => {
    const sampled = new Set(translationSamples.map((sample) => sample.kind));
    const kinds = new Set(conformanceTargets.filter((target) => !target.lacks.includes("http")).map((target) => target.kind));
    for (const kind of kinds) if (kind !== "azure") assert.ok(sampled.has(kind), `no translation sample for ${kind}`);
  });
});
