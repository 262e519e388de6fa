import { GatewayError } from "@switchyard/errors";
import type { ChatRequestJson, JsonObject } from "../types.js";
import type { EchoAnswer } from "./answer.js";
import { choiceLogprobs } from "./logprobs.js";

const MAX_CHOICES = 128;

/** `n`: how many choices to answer with (1 when absent); outside 1–128 it is rejected as OpenAI does. */
export function choiceCount(request: ChatRequestJson): number {
  const n = request.n;
  if (n === undefined || n === null) return 1;
  if (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= MAX_CHOICES) return n;
  throw new GatewayError("upstream_rejected", `n must be a whole number from 1 to ${MAX_CHOICES}`, { param: "n", upstreamStatus: 400 });
}

/** The `choices` of a `chat.completion`: `answer.n` copies of the answer, indexed 0…n-1. */
export function completionChoices(answer: EchoAnswer): JsonObject[] {
  return indexes(answer.n).map((index) => {
    if (answer.kind === "tool_calls") {
      return {
        index,
        message: { role: "assistant", content: null, refusal: null, tool_calls: answer.calls.map(copyCall) },
        // No content tokens: the answer has no content.
        logprobs: answer.logprobs ? { content: null, refusal: null } : null,
        finish_reason: answer.finishReason,
      };
    }
    return {
      index,
      message: { role: "assistant", content: answer.content, refusal: null },
      logprobs: answer.logprobs ? choiceLogprobs(answer.pieces, answer.logprobs) : null,
      finish_reason: answer.finishReason,
    };
  });
}

/**
 * The choices of the answer's stream chunks, in order, one choice per chunk. With `n > 1` the
 * choices take turns: step 1 of choice 0, step 1 of choice 1, …, then step 2 of each, and so on.
 */
export function streamChoices(answer: EchoAnswer): JsonObject[] {
  const perChoice = indexes(answer.n).map((index) => streamSteps(answer).map((step) => ({ index, ...step })));
  const out: JsonObject[] = [];
  const steps = perChoice[0]?.length ?? 0;
  for (let step = 0; step < steps; step++) for (const choice of perChoice) out.push(choice[step]!);
  return out;
}

/**
 * One choice's stream, as OpenAI sends it. Text: a chunk per piece, the first also carrying
 * `role`, the last `finish_reason` (an empty answer is one chunk with `content: ""`). Tool calls:
 * per call a chunk opening it (`id`, `type`, `function.name`, `arguments: ""`; the first also
 * `role` and `content: null`), chunks of `function.arguments` fragments keyed by `index` alone,
 * then a chunk with an empty delta and `finish_reason: "tool_calls"`.
 */
function streamSteps(answer: EchoAnswer): JsonObject[] {
  if (answer.kind === "tool_calls") {
    const steps: JsonObject[] = [];
    answer.calls.forEach((call, index) => {
      const opening = { index, id: call.id, type: call.type, function: { name: call.function.name, arguments: "" } };
      steps.push(step(index === 0 ? { role: "assistant", content: null, tool_calls: [opening] } : { tool_calls: [opening] }));
      for (const fragment of answer.fragments[index] ?? []) {
        steps.push(step({ tool_calls: [{ index, function: { arguments: fragment } }] }));
      }
    });
    steps.push(step({}, answer.finishReason));
    return steps;
  }
  const { pieces, logprobs, finishReason } = answer;
  if (pieces.length === 0) {
    return [step({ role: "assistant", content: "" }, finishReason, logprobs ? choiceLogprobs([], logprobs) : null)];
  }
  const last = pieces.length - 1;
  return pieces.map((piece, i) =>
    step(
      i === 0 ? { role: "assistant", content: piece } : { content: piece },
      i === last ? finishReason : null,
      logprobs ? choiceLogprobs([piece], logprobs) : null,
    ),
  );
}

function step(delta: JsonObject, finishReason: string | null = null, logprobs: JsonObject | null = null): JsonObject {
  return { delta, logprobs, finish_reason: finishReason };
}

function copyCall<T extends { function: object }>(call: T): T {
  return { ...call, function: { ...call.function } };
}

function indexes(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
