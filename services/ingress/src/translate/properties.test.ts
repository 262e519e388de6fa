import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ChatCompletionRequestSchema } from "../schemas/chat-completions.js";
import { anthropicToChat, validateAnthropicRequest } from "./anthropic/request.js";
import { compileValidator, openAIDialect, type Validation } from "./common.js";
import { responsesToChat, validateResponsesRequest } from "./responses/request.js";
import { fixture } from "./test-support/fixtures.js";

/*
 * Properties of the request translators over generated bodies (documented examples broken at one
 * path): validation answers instead of throwing; a body it accepts translates without throwing
 * into a request the chat route itself accepts.
 */

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const validateChat = compileValidator(ChatCompletionRequestSchema, openAIDialect);

type Path = (string | number)[];
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}
function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  const [head, ...rest] = path as [string | number, ...Path];
  copy[head] = setAt(copy[head], rest, replacement);
  return copy;
}

const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    "",
    [],
    {},
    0,
    -1,
    1.5,
    1e308,
    "text",
    "image",
    "tool_use",
    "tool_result",
    "input_text",
    "function_call",
    "user",
    "assistant",
  ),
  fc.string({ unit: "binary", maxLength: 16 }),
);

/** Bodies near the documented examples: each broken (or not) at one path. */
function near(examples: unknown[]): fc.Arbitrary<unknown> {
  return fc
    .constantFrom(...examples)
    .chain((example) => fc.tuple(fc.constant(example), fc.constantFrom(...pathsOf(example)), replacement))
    .map(([example, path, value]) => setAt(example, path, value));
}

function checkTranslation<T>(validate: (body: unknown) => Validation<T>, translate: (value: T) => object, bodies: fc.Arbitrary<unknown>) {
  let accepted = 0;
  fc.assert(
    fc.property(bodies, (body) => {
      const result = validate(body);
      if (!result.ok) {
        assert.equal(typeof result.error.message, "string");
        return;
      }
      accepted += 1;
      const chat = validateChat(translate(result.value));
      assert.ok(chat.ok, chat.ok ? "" : `translated request refused: ${chat.error.message}`);
    }),
    { seed: SEED, numRuns: 400 },
  );
  assert.ok(accepted > 0, "some generated bodies were valid");
}

describe(`request translators over generated bodies (seed ${SEED})`, () => {
  it("anthropicToChat turns every body validation accepts into a valid chat request", () => {
    const examples = ["messages-basic", "tool-use", "vision"].map((name) => fixture(`anthropic/${name}.request.json`));
    checkTranslation(validateAnthropicRequest, anthropicToChat, near(examples));
  });

  it("responsesToChat turns every body validation accepts into a valid chat request", () => {
    const examples = ["function-call-output", "functions", "image-input", "streaming", "text-input"].map((name) =>
      fixture(`responses/${name}.request.json`),
    );
    checkTranslation(validateResponsesRequest, responsesToChat, near(examples));
  });
});
