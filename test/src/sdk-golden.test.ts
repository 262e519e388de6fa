import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN_KEY, ROOT, startTestMesh, type TestMesh } from "./harness.js";
import { type JsonType, parseSse, type ShapeRules, shapeDiff, shapeOf, shapeOfSamples } from "./sdk-shape.js";

/*
 * Golden fixtures (test/fixtures/golden/, see its README): request/response pairs from the
 * OpenAI and Anthropic API documentation. Each documented request is sent as written, with the
 * model replaced by mock-echo, and the answer must have exactly the documented shape: the same
 * keys and value types at every level (see sdk-shape.ts), values that differ by nature ignored.
 */

interface Fixture {
  name: string;
  api: "openai-chat" | "anthropic-messages";
  source: { document: string; url: string };
  request: Record<string, unknown>;
  response?: unknown;
  chunks?: unknown[];
  events?: { event: string; data: { type: string } }[];
  rules: ShapeRules & { alsoDocumented?: Record<string, JsonType[]> };
}

const GOLDEN = join(ROOT, "test", "fixtures", "golden");
const fixtures: Fixture[] = readdirSync(GOLDEN)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(GOLDEN, f), "utf8")) as Fixture);

let t: TestMesh;

before(async () => {
  t = await startTestMesh({ connectors: [{ provider: "mock" }] });
});
after(async () => {
  await t?.stop();
});

async function send(fixture: Fixture): Promise<Response> {
  const body = { ...fixture.request, model: "mock-echo" };
  const headers: Record<string, string> = { "content-type": "application/json", "x-switchyard-cache": "bypass" };
  if (fixture.api === "anthropic-messages") {
    headers["x-api-key"] = ADMIN_KEY;
    headers["anthropic-version"] = "2023-06-01";
  } else {
    headers.authorization = `Bearer ${ADMIN_KEY}`;
  }
  const path = fixture.api === "anthropic-messages" ? "/v1/messages" : "/v1/chat/completions";
  return fetch(t.url(path), { method: "POST", headers, body: JSON.stringify(body) });
}

function assertShape(problems: string[], what: string, actual: unknown): void {
  assert.deepEqual(
    problems,
    [],
    `${what} departs from the documented shape:\n  ${problems.join("\n  ")}\nreceived: ${JSON.stringify(actual)}`,
  );
}

describe("golden fixtures from the API documentation", () => {
  it("are present for both API shapes, streamed and not", () => {
    const kinds = new Set(fixtures.map((f) => `${f.api}:${f.response !== undefined ? "json" : "stream"}`));
    for (const kind of ["openai-chat:json", "openai-chat:stream", "anthropic-messages:json", "anthropic-messages:stream"]) {
      assert.ok(kinds.has(kind), `a ${kind} fixture`);
    }
  });

  for (const fixture of fixtures) {
    it(`${fixture.name}: ${fixture.source.document}`, async () => {
      const response = await send(fixture);
      const raw = await response.text();
      assert.equal(response.status, 200, raw);

      if (fixture.response !== undefined) {
        assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
        const body = JSON.parse(raw) as unknown;
        assertShape(shapeDiff(shapeOf(fixture.response), body, fixture.rules), "the response", body);
        return;
      }

      assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
      const { events, done } = parseSse(raw);
      assert.ok(events.length > 0, "the stream carried events");

      if (fixture.chunks) {
        // OpenAI: unnamed data events, each a chunk of the documented shape, then data: [DONE].
        assert.ok(done, "the stream ends with data: [DONE]");
        const shape = shapeOfSamples(fixture.chunks);
        events.forEach((e, i) => {
          assert.equal(e.event, undefined, `chunk ${i} has no event name`);
          assertShape(shapeDiff(shape, e.data, fixture.rules), `chunk ${i}`, e.data);
        });
        const finishes = events
          .flatMap((e) => (e.data as { choices: { finish_reason: string | null }[] }).choices.map((c) => c.finish_reason))
          .filter((r) => r !== null);
        assert.deepEqual(finishes, ["stop"], "one chunk carries the finish reason");
        return;
      }

      // Anthropic: named events, each data of the documented shape for its type, in the documented order.
      assert.ok(!done, "no [DONE] sentinel in the Anthropic protocol");
      const documented = fixture.events ?? [];
      const byType = shapeOf(documented.map((e) => e.data)).itemsByType;
      events.forEach((e, i) => {
        const type = (e.data as { type?: unknown }).type;
        assert.equal(e.event, type, `event ${i}: the SSE event name is the data's type`);
        const shape = typeof type === "string" ? byType.get(type) : undefined;
        assert.ok(shape, `event ${i}: type ${JSON.stringify(type)} is documented (${[...byType.keys()].join(", ")})`);
        assertShape(shapeDiff(shape, e.data, fixture.rules), `event ${i} (${String(type)})`, e.data);
      });
      const types = events.map((e) => (e.data as { type: string }).type);
      for (const type of new Set(documented.map((e) => e.data.type))) {
        if (type !== "ping") assert.ok(types.includes(type), `a ${type} event`);
      }
      assert.equal(types[0], "message_start");
      assert.equal(types.at(-1), "message_stop");
      assert.equal(types.at(-2), "message_delta");
    });
  }
});
