import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { GenerateResponseSchema } from "@switchyard/proto";
import { failedCheck } from "./answer-checks.js";

const ALL = ["empty", "length", "refusal", "json_schema"];
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const completion = (content: string | null, finish = "stop") => [
  create(GenerateResponseSchema, {
    event: {
      case: "completion",
      value: bytes({ choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finish }] }),
    },
  }),
];
const chunks = (...parts: string[]) =>
  parts.map((content, i) =>
    create(GenerateResponseSchema, {
      event: {
        case: "chunk",
        value: bytes({ choices: [{ index: 0, delta: { content }, finish_reason: i === parts.length - 1 ? "stop" : null }] }),
      },
    }),
  );
const schema = {
  type: "json_schema",
  json_schema: { name: "x", schema: { type: "object", required: ["n"], properties: { n: { type: "number" } } } },
};

describe("failedCheck", () => {
  it("passes a plain answer, whole or streamed", () => {
    assert.equal(failedCheck(ALL, completion("Paris."), {}), undefined);
    assert.equal(failedCheck(ALL, chunks("Par", "is."), {}), undefined);
  });

  it("names each check an answer fails", () => {
    assert.equal(failedCheck(ALL, completion("  "), {}), "empty");
    assert.equal(failedCheck(ALL, completion("Paris is", "length"), {}), "length");
    assert.equal(failedCheck(ALL, chunks("I'm sorry, ", "but I can't help with that."), {}), "refusal");
    assert.equal(failedCheck(ALL, completion('{"n": "seven"}'), { response_format: schema }), "json_schema");
    assert.equal(failedCheck(ALL, completion("not json"), { response_format: { type: "json_object" } }), "json_schema");
    assert.equal(failedCheck(ALL, completion('{"n": 7}'), { response_format: schema }), undefined);
  });

  it("runs only the configured checks", () => {
    assert.equal(failedCheck(["length"], completion(""), {}), undefined);
  });
});
