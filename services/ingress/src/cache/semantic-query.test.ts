import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { semanticQueryOf } from "./semantic-query.js";

const tool = (name: string) => ({ type: "function", function: { name, parameters: { type: "object" } } });
const chat = (extra: Record<string, unknown> = {}, content: unknown = "What is the capital of France?") => ({
  model: "m",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content },
  ],
  ...extra,
});

describe("semanticQueryOf", () => {
  it("compares the user's words and keeps everything else in the scope", () => {
    const query = semanticQueryOf(chat({ temperature: 0 }), [], "local");
    assert.equal(query?.prompt, "What is the capital of France?");
    assert.equal(
      semanticQueryOf(chat({ temperature: 0 }, "Which city is France's capital?"), [], "local")?.scope,
      query?.scope,
      "the prompt is not in the scope",
    );
    assert.notEqual(semanticQueryOf(chat({ temperature: 1 }), [], "local")?.scope, query?.scope, "parameters are");
    assert.notEqual(
      semanticQueryOf({ ...chat({ temperature: 0 }), messages: [{ role: "user", content: "What is the capital of France?" }] }, [], "local")
        ?.scope,
      query?.scope,
      "the system prompt is",
    );
    assert.notEqual(semanticQueryOf(chat({ temperature: 0 }), [], "vectors")?.scope, query?.scope, "the embedder is");
  });

  it("reads text parts, and refuses images", () => {
    assert.equal(
      semanticQueryOf(
        chat({}, [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ]),
        [],
        "local",
      )?.prompt,
      "a\nb",
    );
    assert.equal(semanticQueryOf(chat({}, [{ type: "image_url", image_url: { url: "data:," } }]), [], "local"), undefined);
  });

  it("answers with similar prompts only when every tool offered is free of side effects", () => {
    assert.equal(semanticQueryOf(chat({ tools: [tool("send_email")] }), [], "local"), undefined);
    assert.equal(semanticQueryOf(chat({ tools: [tool("get_weather"), tool("send_email")] }), ["get_weather"], "local"), undefined);
    assert.ok(semanticQueryOf(chat({ tools: [tool("get_weather")] }), ["get_weather"], "local"));
    assert.equal(semanticQueryOf(chat({ functions: [{ name: "f" }] }), ["f"], "local"), undefined, "legacy functions are never");
  });
});
