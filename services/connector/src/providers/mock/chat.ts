import { setTimeout as sleep } from "node:timers/promises";
import type { ChatChunkJson, ChatCompletionJson, ChatRequestJson, ProviderCall } from "../types.js";
import { echoAnswer } from "./answer.js";
import { completionChoices, streamChoices } from "./choices.js";
import { type FailSpec, type MockSpec, mockFailure, parseMockModel } from "./model-spec.js";

/** A whole `chat.completion`, after the spec's wait. */
export async function mockChat(request: ChatRequestJson, ctx: ProviderCall): Promise<ChatCompletionJson> {
  const spec = parseMockModel(ctx.deployment.model);
  await wait(spec.ttftMs + spec.latencyMs, ctx.signal);
  if (spec.behaviour === "fail") throw mockFailure(spec);
  const answer = echoAnswer(request, { requestId: ctx.requestId, tools: spec.tools });
  return {
    id: `chatcmpl-${ctx.requestId}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: ctx.deployment.model,
    choices: completionChoices(answer),
    usage: answer.usage,
  };
}

/**
 * The answer chunk by chunk (one choice per chunk, see `choices.ts`), then the usage chunk (empty
 * `choices`), as OpenAI streams with include_usage. A `fail` model streams `after_chunks` chunks
 * of the echo answer, then fails.
 */
export async function* mockChatStream(request: ChatRequestJson, ctx: ProviderCall): AsyncGenerator<ChatChunkJson> {
  const spec: MockSpec = parseMockModel(ctx.deployment.model);
  const answer = echoAnswer(request, { requestId: ctx.requestId, tools: spec.behaviour === "echo" ? spec.tools : undefined });
  const base = {
    id: `chatcmpl-${ctx.requestId}`,
    object: "chat.completion.chunk" as const,
    created: Math.floor(Date.now() / 1000),
    model: ctx.deployment.model,
  };
  const failAfter = spec.behaviour === "fail" ? spec.afterChunks : Number.POSITIVE_INFINITY;
  for (const [index, choice] of streamChoices(answer).entries()) {
    await wait((index === 0 ? spec.ttftMs : 0) + spec.latencyMs, ctx.signal);
    if (index >= failAfter) throw mockFailure(spec as FailSpec);
    yield { ...base, choices: [choice] };
  }
  if (spec.behaviour === "fail") throw mockFailure(spec);
  yield { ...base, choices: [], usage: answer.usage };
}

/** Waits, or rejects with the signal's reason as soon as it aborts. */
export async function wait(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  }
}
