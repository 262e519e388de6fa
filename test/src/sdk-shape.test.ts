import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSse, shapeDiff, shapeOf, shapeOfSamples } from "./sdk-shape.js";

/* The golden comparison itself: it must catch every kind of departure it claims to. */

const documented = {
  id: "chatcmpl-1",
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content: "Hi", annotations: [] }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, details: { cached: 0 } },
};
const conforming = {
  id: "chatcmpl-other",
  object: "chat.completion",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Something else entirely", annotations: [] },
      logprobs: null,
      finish_reason: "stop",
    },
  ],
  usage: { prompt_tokens: 7, completion_tokens: 9, details: { cached: 3 } },
};
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe("shape comparison", () => {
  it("accepts different values of the same shape", () => {
    assert.deepEqual(shapeDiff(shapeOf(documented), conforming), []);
  });

  it("reports a missing key, an extra key and a wrong type, by path", () => {
    const actual = clone(conforming);
    delete (actual.usage as Record<string, unknown>).details;
    (actual as Record<string, unknown>).extra = true;
    (actual.choices[0] as Record<string, unknown>).index = "0";
    assert.deepEqual(shapeDiff(shapeOf(documented), actual), [
      'choices[].index: documented as number, got string ("0")',
      "usage.details: documented key is missing",
      "extra: key is not in the documented shape (value true)",
    ]);
  });

  it("keeps discriminator values: object, role, finish_reason", () => {
    const actual = clone(conforming);
    actual.object = "chat.completion.chunk";
    actual.choices[0]!.finish_reason = "length";
    assert.deepEqual(shapeDiff(shapeOf(documented), actual), [
      'object: documented value "chat.completion", got "chat.completion.chunk"',
      'choices[].finish_reason: documented value "stop", got "length"',
    ]);
  });

  it("applies mayBeAbsent and alsoDocumented only to the named paths", () => {
    const actual = clone(conforming);
    delete (actual.usage as Record<string, unknown>).details;
    (actual.choices[0]!.message as Record<string, unknown>).refusal = null;
    const rules = { mayBeAbsent: ["usage.details"], alsoDocumented: { "choices[].message.refusal": ["null" as const, "string" as const] } };
    assert.deepEqual(shapeDiff(shapeOf(documented), actual, rules), []);
    (actual.choices[0]!.message as Record<string, unknown>).refusal = 1;
    assert.deepEqual(shapeDiff(shapeOf(documented), actual, rules), [
      "choices[].message.refusal: documented as null or string, got number",
    ]);
  });

  it("rejects elements where the documented array is empty", () => {
    const actual = clone(conforming);
    (actual.choices[0]!.message.annotations as unknown[]).push({ type: "url_citation" });
    assert.deepEqual(shapeDiff(shapeOf(documented), actual), [
      "choices[].message.annotations[0]: the documented array is empty, so no element shape is documented",
    ]);
  });

  it("merges samples: keys missing from some are optional, types are unioned", () => {
    const shape = shapeOfSamples([
      { delta: { role: "assistant", content: "" }, finish_reason: null },
      { delta: { content: "Hello" }, finish_reason: null },
      { delta: {}, finish_reason: "stop" },
    ]);
    assert.deepEqual(shapeDiff(shape, { delta: { content: "x" }, finish_reason: "stop" }), []);
    assert.deepEqual(shapeDiff(shape, { delta: { content: 1 }, finish_reason: "stop" }), [
      "delta.content: documented as string, got number (1)",
    ]);
    assert.deepEqual(shapeDiff(shape, { delta: {}, finish_reason: "length" }), [
      'finish_reason: documented value null or "stop", got "length"',
    ]);
  });

  it("compares typed array elements with the documented elements of the same type", () => {
    const shape = shapeOf({
      content: [
        { type: "text", text: "a" },
        { type: "tool_use", id: "t", name: "n", input: {} },
      ],
    });
    assert.deepEqual(shapeDiff(shape, { content: [{ type: "tool_use", id: "x", name: "y", input: {} }] }), []);
    assert.deepEqual(shapeDiff(shape, { content: [{ type: "text", text: 5 }] }), ["content[].text: documented as string, got number (5)"]);
    assert.deepEqual(shapeDiff(shape, { content: [{ type: "image" }] }), [
      'content[0]: element type "image" is not documented (documented: text, tool_use)',
    ]);
  });

  it("parses SSE with event names, comments and [DONE]", () => {
    const raw = ': heartbeat\n\nevent: ping\ndata: {"type":"ping"}\n\ndata: {"a":1}\n\ndata: [DONE]\n\n';
    assert.deepEqual(parseSse(raw), {
      events: [
        { event: "ping", data: { type: "ping" } },
        { event: undefined, data: { a: 1 } },
      ],
      done: true,
    });
  });
});
