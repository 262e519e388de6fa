/** The parts of an OpenAI chat.completion.chunk the gateway reads. */
export interface ChunkView {
  id?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string | null;
  choices?: { index: number; delta?: { role?: string; content?: string | null; tool_calls?: unknown[] }; finish_reason?: string | null }[];
}

/**
 * Rebuilds a chat.completion from the chunks of a stream, so a streamed answer can be cached
 * and replayed to non-streaming clients. Gives up (returns undefined) for shapes it cannot
 * rebuild faithfully: several choices or tool calls.
 */
export class StreamAssembler {
  private content = "";
  private finishReason: string | null = null;
  private head: ChunkView | undefined;
  private faithful = true;

  add(chunk: ChunkView): void {
    this.head ??= chunk;
    for (const choice of chunk.choices ?? []) {
      if (choice.index !== 0 || choice.delta?.tool_calls) {
        this.faithful = false;
        continue;
      }
      if (typeof choice.delta?.content === "string") this.content += choice.delta.content;
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
  }

  completion(usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }): Record<string, unknown> | undefined {
    if (!this.faithful || !this.head || this.finishReason === null) return undefined;
    return {
      id: this.head.id,
      object: "chat.completion",
      created: this.head.created,
      model: this.head.model,
      system_fingerprint: this.head.system_fingerprint ?? null,
      choices: [{ index: 0, message: { role: "assistant", content: this.content }, logprobs: null, finish_reason: this.finishReason }],
      usage,
    };
  }
}

/** A stored chat.completion replayed as the chunks a streaming client expects. */
export function completionToChunks(completion: Record<string, unknown>, includeUsage: boolean): Record<string, unknown>[] {
  const base = {
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    system_fingerprint: completion.system_fingerprint ?? null,
  };
  const choices =
    (completion.choices as {
      index: number;
      message: { role: string; content: string | null; tool_calls?: unknown };
      finish_reason: string;
    }[]) ?? [];
  const chunks: Record<string, unknown>[] = [
    {
      ...base,
      choices: choices.map((c) => ({ index: c.index, delta: { role: c.message.role, content: "" }, logprobs: null, finish_reason: null })),
    },
    {
      ...base,
      choices: choices.map((c) => ({
        index: c.index,
        delta: {
          content: c.message.content,
          // Stream deltas name each call's position; a stored message does not.
          ...(Array.isArray(c.message.tool_calls)
            ? { tool_calls: c.message.tool_calls.map((call, index) => ({ index, ...(call as object) })) }
            : {}),
        },
        logprobs: null,
        finish_reason: null,
      })),
    },
    { ...base, choices: choices.map((c) => ({ index: c.index, delta: {}, logprobs: null, finish_reason: c.finish_reason })) },
  ];
  if (includeUsage) chunks.push({ ...base, choices: [], usage: completion.usage ?? null });
  return chunks;
}
