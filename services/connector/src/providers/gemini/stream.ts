import { GatewayError } from "@switchyard/errors";
import type { ChatChunkJson, JsonObject, UsageJson } from "../types.js";
import { isObject } from "./request.js";
import { checkPromptBlocked, completionId, finishReasonOf, type GeminiResponse, malformed, splitParts, usageOf } from "./response.js";

/** What one candidate has streamed so far. */
interface CandidateState {
  roleSent: boolean;
  calls: number;
  finished: boolean;
}

/**
 * Translates a `streamGenerateContent?alt=sse` stream, one frame (a whole GenerateContentResponse)
 * at a time, into `chat.completion.chunk`s. Gemini sends each function call whole in one frame and
 * its usage on every frame (the last one final), so the state is small: per candidate, whether the
 * role went out and how many calls it made.
 */
export class GeminiStreamTranslator {
  private id: string | undefined;
  private readonly candidates = new Map<number, CandidateState>();
  private usage: UsageJson | undefined;
  private upstreamModel: string | undefined;

  constructor(
    private readonly model: string,
    private readonly provider: string,
    private readonly created = Math.floor(Date.now() / 1000),
  ) {}

  /** Parses one SSE `data:` payload and translates it; an error object in the stream throws. */
  data(text: string): ChatChunkJson | undefined {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw malformed(this.provider, "a stream frame is not JSON");
    }
    if (!isObject(value)) throw malformed(this.provider, "a stream frame is not a JSON object");
    if (isObject(value.error)) throw streamError(value.error, this.provider);
    return this.frame(value as GeminiResponse);
  }

  /** One frame's chunk, or undefined when it carries nothing but usage. */
  frame(response: GeminiResponse): ChatChunkJson | undefined {
    checkPromptBlocked(response, this.provider);
    this.id ??= completionId(response.responseId);
    this.upstreamModel ??= response.modelVersion;
    if (response.usageMetadata) this.usage = usageOf(response.usageMetadata);
    const choices: JsonObject[] = [];
    (response.candidates ?? []).forEach((candidate, position) => {
      const index = candidate.index ?? position;
      let state = this.candidates.get(index);
      if (!state) this.candidates.set(index, (state = { roleSent: false, calls: 0, finished: false }));
      const { text, thoughts, calls } = splitParts(candidate.content?.parts, state.calls);
      state.calls += calls.length;
      const finish = finishReasonOf(candidate.finishReason, state.calls > 0);
      if (text === "" && thoughts === "" && calls.length === 0 && !finish && state.roleSent) return;
      const delta: JsonObject = {};
      const first = !state.roleSent;
      if (first) {
        delta.role = "assistant";
        state.roleSent = true;
      }
      if (text !== "" || (first && calls.length === 0 && thoughts === "")) delta.content = text;
      if (thoughts !== "") delta.reasoning_content = thoughts;
      if (calls.length > 0) delta.tool_calls = calls.map((call, i) => ({ index: state.calls - calls.length + i, ...call }));
      if (finish) state.finished = true;
      choices.push({ index, delta, finish_reason: finish, logprobs: null });
    });
    return choices.length > 0 ? this.chunk(choices, undefined) : undefined;
  }

  /**
   * The closing usage chunk, once the upstream's stream ended; a stream whose candidates never
   * finished was cut short, an upstream error.
   */
  end(): ChatChunkJson {
    if (this.candidates.size === 0 || [...this.candidates.values()].some((state) => !state.finished)) {
      throw new GatewayError("upstream_error", `${this.provider} ended the stream before it finished`);
    }
    return this.chunk([], this.usage ?? usageOf(undefined));
  }

  private chunk(choices: JsonObject[], usage: UsageJson | undefined): ChatChunkJson {
    const chunk: ChatChunkJson = {
      id: this.id ?? completionId(undefined),
      object: "chat.completion.chunk",
      created: this.created,
      model: this.upstreamModel ?? this.model,
      choices,
    };
    if (usage) chunk.usage = usage;
    return chunk;
  }
}

/** An `{error:{code,message,status}}` frame after the stream started. */
function streamError(error: JsonObject, provider: string): GatewayError {
  const status = typeof error.code === "number" ? error.code : 0;
  const reason = typeof error.status === "string" ? error.status : "an error";
  const code =
    status === 429 ? "upstream_rate_limited" : status === 503 || reason === "UNAVAILABLE" ? "upstream_unavailable" : "upstream_error";
  return new GatewayError(code, `${provider} reported ${reason} mid-stream`, { upstreamStatus: status });
}
