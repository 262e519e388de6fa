import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatContent } from "./response-format.js";

describe("formatContent", () => {
  it("passes text through without a JSON response_format", () => {
    assert.deepEqual(formatContent({}, "hi there"), { content: "hi there", json: false });
    assert.deepEqual(formatContent({ response_format: { type: "text" } }, "hi there"), { content: "hi there", json: false });
  });

  it("wraps the text for json_object", () => {
    assert.deepEqual(formatContent({ response_format: { type: "json_object" } }, 'say "hi"'), {
      content: '{"echo":"say \\"hi\\""}',
      json: true,
    });
  });

  it("samples the json_schema's schema, with the text in free-text properties", () => {
    const response_format = {
      type: "json_schema",
      json_schema: {
        name: "answer",
        strict: true,
        schema: {
          type: "object",
          properties: { question: { type: "string" }, confidence: { type: "number" }, tags: { type: "array", items: { type: "string" } } },
          required: ["question", "confidence", "tags"],
          additionalProperties: false,
        },
      },
    };
    assert.deepEqual(formatContent({ response_format }, "why is the sky blue"), {
      content: '{"question":"why is the sky blue","confidence":1,"tags":[]}',
      json: true,
    });
    assert.deepEqual(formatContent({ response_format: { type: "json_schema", json_schema: { name: "x" } } }, "t"), {
      content: "{}",
      json: true,
    });
  });
});
