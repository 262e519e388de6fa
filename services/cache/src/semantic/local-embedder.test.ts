import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LocalEmbedder } from "./local-embedder.js";
import { cosine, factsAgree, similarityOf } from "./similarity.js";

const embedder = LocalEmbedder.load();
const similarity = (a: string, b: string) => similarityOf(embedder.embed(a), embedder.embed(b));

describe("the local embedder", () => {
  it("embeds into unit vectors, the same text alike every time", () => {
    const one = embedder.embed("How do I reverse a string in Python?");
    assert.equal(one.vector.length, embedder.dimensions);
    assert.ok(Math.abs(cosine(one.vector, one.vector) - 1) < 1e-5);
    assert.deepEqual(embedder.embed("How do I reverse a string in Python?"), one);
  });

  it("places rephrasings of one request close together", () => {
    assert.ok(similarity("Explain photosynthesis to a beginner.", "explain photosynthesis for beginners please") > 0.92);
    assert.ok(similarity("What is the capital of France?", "Which city is the capital of France?") > 0.92);
  });

  it("tells apart requests that differ in a number, a negation, a language or a name", () => {
    assert.equal(similarity("What is 12 plus 7?", "What is 12 plus 8?"), 0);
    assert.equal(similarity("Which foods contain gluten?", "Which foods do not contain gluten?"), 0);
    assert.equal(similarity("Why don't cats purr?", "Why do cats purr?"), 0);
    assert.equal(similarity("How do I read a file in Python?", "How do I read a file in Java?"), 0);
    assert.equal(similarity("What is the capital of France?", "What is the capital of Spain?"), 0);
    assert.ok(similarity("Convert 10 miles to kilometers.", "Convert 10 kilometers to miles.") < 0.92, "word order counts");
  });

  it("finds a name anywhere in the other prompt, wherever its capital letter was", () => {
    const a = embedder.embed("Paris is lovely: what should I see?");
    const b = embedder.embed("What should I see in Paris?");
    assert.deepEqual(a.facts.names, [], "a capital at the start of a sentence is not taken for a name");
    assert.deepEqual(b.facts.names, ["paris"]);
    assert.ok(factsAgree(a.facts, b.facts));
  });

  it("embeds text with no known word without failing", () => {
    const empty = embedder.embed("");
    assert.equal(empty.vector.length, embedder.dimensions);
    assert.equal(similarityOf(empty, embedder.embed("qwzx")), 0);
  });
});
