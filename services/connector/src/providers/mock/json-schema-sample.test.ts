import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isFreeTextName, sampleJson } from "./json-schema-sample.js";

const text = "weather in Paris";
const sample = (schema: unknown) => sampleJson(schema, { text });

describe("sampleJson", () => {
  it("fills the required properties in declared order, free-text names with the hint", () => {
    const schema = {
      type: "object",
      properties: {
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
        location: { type: "string" },
        days: { type: "integer" },
        detailed: { type: "boolean" },
        note: { type: "string" },
      },
      required: ["location", "unit", "days", "detailed"],
    };
    const value = sample(schema);
    assert.deepEqual(value, { unit: "celsius", location: "weather in Paris", days: 1, detailed: true });
    assert.deepEqual(Object.keys(value as object), ["unit", "location", "days", "detailed"]);
  });

  it("fills every property when none is required, recursing into objects; arrays are empty", () => {
    const schema = {
      type: "object",
      properties: {
        query: { type: "string" },
        limit: { type: "number" },
        tags: { type: "array", items: { type: "string" } },
        filters: { type: "object", properties: { city: { type: "string" }, open: { type: "boolean" }, kind: { const: "shop" } } },
        nothing: { type: "null" },
      },
    };
    assert.deepEqual(sample(schema), {
      query: "weather in Paris",
      limit: 1,
      tags: [],
      filters: { city: "weather in Paris", open: true, kind: "shop" },
      nothing: null,
    });
  });

  it("gives a required property the schema does not describe a string", () => {
    assert.deepEqual(sample({ type: "object", properties: {}, required: ["id"] }), { id: "mock" });
    assert.deepEqual(sample({ type: "object" }), {});
  });

  it("honours numeric bounds and multipleOf", () => {
    assert.equal(sample({ type: "integer", minimum: 5 }), 5);
    assert.equal(sample({ type: "integer", maximum: -3 }), -3);
    assert.equal(sample({ type: "integer", exclusiveMinimum: 1 }), 2);
    assert.equal(sample({ type: "number", minimum: 0, maximum: 0.5 }), 0);
    assert.equal(sample({ type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 }), 0.5);
    assert.equal(sample({ type: "integer", minimum: 1, multipleOf: 5 }), 5);
    assert.equal(sample({ type: "number", minimum: 2, maximum: 10, exclusiveMinimum: true }), 3); // draft 4
    assert.equal(sample({ type: "integer", minimum: 0, maximum: 100 }), 1);
  });

  it("honours string lengths and formats", () => {
    assert.equal(sample({ type: "string", minLength: 6 }), "mockxx");
    assert.deepEqual(sample({ type: "object", properties: { query: { type: "string", maxLength: 7 } } }), { query: "weather" });
    assert.equal(sample({ type: "string", format: "date-time" }), "1970-01-01T00:00:00Z");
    assert.equal(sample({ type: "string", format: "email" }), "mock@example.com");
    assert.equal(sample({ type: "string", format: "uuid" }), "00000000-0000-4000-8000-000000000000");
  });

  it("fills minItems with items, tuples with prefixItems", () => {
    assert.deepEqual(sample({ type: "array", items: { type: "integer" }, minItems: 2 }), [1, 1]);
    assert.deepEqual(sample({ type: "array", prefixItems: [{ type: "string" }, { type: "boolean" }], minItems: 2, maxItems: 2 }), [
      "mock",
      true,
    ]);
  });

  it("takes the first non-null branch of anyOf/oneOf and the first type of a type list", () => {
    assert.equal(sample({ anyOf: [{ type: "null" }, { type: "integer" }] }), 1);
    assert.equal(sample({ oneOf: [{ type: "boolean" }, { type: "string" }] }), true);
    assert.equal(sample({ type: ["null", "string"] }), "mock");
    assert.equal(sample({ type: "null" }), null);
  });

  it("merges allOf branches", () => {
    const schema = {
      allOf: [
        { type: "object", properties: { a: { type: "integer" } }, required: ["a"] },
        { properties: { b: { type: "boolean" } }, required: ["b"] },
      ],
    };
    assert.deepEqual(sample(schema), { a: 1, b: true });
  });

  it("follows local $refs and stops at recursive ones", () => {
    const schema = {
      type: "object",
      properties: {
        home: { $ref: "#/$defs/Address" },
        parent: { anyOf: [{ $ref: "#/definitions/Node" }, { type: "null" }] },
      },
      required: ["home", "parent"],
      $defs: { Address: { type: "object", properties: { city: { type: "string" }, zip: { type: "string" } }, required: ["city", "zip"] } },
      definitions: {
        Node: {
          type: "object",
          properties: {
            name: { type: "string" },
            next: { anyOf: [{ $ref: "#/definitions/Node" }, { type: "null" }] },
            self: { $ref: "#/definitions/Node" },
          },
          required: ["name", "next", "self"],
        },
      },
    };
    assert.deepEqual(sample(schema), {
      home: { city: "weather in Paris", zip: "mock" },
      parent: { name: "mock", next: null, self: {} },
    });
  });

  it("answers a schema that accepts anything with a string", () => {
    assert.equal(sample({}), "mock");
    assert.equal(sample(true), "mock");
  });

  it("uses mock for free-text properties when there is no text", () => {
    assert.deepEqual(sampleJson({ type: "object", properties: { query: { type: "string" } } }, { text: "" }), { query: "mock" });
  });
});

describe("isFreeTextName", () => {
  it("recognises free-text words in snake, camel and plain names", () => {
    for (const name of [
      "query",
      "q",
      "searchQuery",
      "search_query",
      "text",
      "userInput",
      "prompt",
      "location",
      "city",
      "cityName",
      "question",
      "keywords",
    ]) {
      assert.equal(isFreeTextName(name), true, name);
    }
    for (const name of ["unit", "name", "id", "count", "cityscape", "textual"]) {
      assert.equal(isFreeTextName(name), false, name);
    }
  });
});
