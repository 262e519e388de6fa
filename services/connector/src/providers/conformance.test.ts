import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { collect, countWords, type FakeUpstream, LEAK_MARKER, testCall } from "@switchyard/fake-upstreams";
import type { ConformanceTarget } from "./conformance-target.js";
import { conformanceTargets } from "./conformance-targets.js";
import { adapterFactories } from "./registry.js";
import type { ChatChunkJson, ChatCompletionJson, ChatRequestJson, JsonObject, ProviderAdapter } from "./types.js";

/**
 * Every registered provider kind, run through its fake upstream: the same request in, the same
 * OpenAI-shaped answers and GatewayErrors out. What a kind's API has no notion of, it lists in
 * `lacks` and those checks are not registered for it.
 */
const SYSTEM = "Answer briefly.";
const TEXT = "Which platform does the night train leave from?";
const lookupTool = {
  type: "function",
  function: {
    name: "lookup",
    description: "Looks a question up",
    parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
  },
};
const secondTool = { type: "function", function: { name: "other", parameters: { type: "object", properties: {} } } };

const chatRequest = (extra: JsonObject = {}): ChatRequestJson => ({
  model: "public-model-name",
  messages: [
    { role: "system", content: SYSTEM },
    { role: "user", content: TEXT },
  ],
  max_tokens: 100,
  ...extra,
});

type Choice = { index: number; message?: JsonObject; delta?: JsonObject; finish_reason?: string | null };
const choiceOf = (answer: ChatCompletionJson | ChatChunkJson) => answer.choices[0] as Choice;

const isCancellation = (signal: AbortSignal) => (error: unknown) =>
  !(error instanceof GatewayError) || error.code === "request_cancelled" || signal.reason === error;

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 200 && !check(); tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), what);
}

for (const target of conformanceTargets) describeTarget(target);

function describeTarget(target: ConformanceTarget): void {
  const has = (feature: ConformanceTarget["lacks"][number]) => !target.lacks.includes(feature);
  const model = (behaviour: string) => target.model?.(behaviour) ?? behaviour;

  describe(`conformance: ${target.label ?? target.kind}`, () => {
    let fake: FakeUpstream;
    let adapter: ProviderAdapter;

    before(async () => {
      fake = await target.start();
      const factory = adapterFactories[target.kind as keyof typeof adapterFactories];
      assert.ok(factory, `no adapter registered for kind ${target.kind}`);
      adapter = factory(target.config(fake));
    });

    after(async () => {
      await adapter.close?.();
      await fake.close();
    });

    const failureOf = async (promise: Promise<unknown>): Promise<GatewayError> => {
      try {
        await promise;
      } catch (error) {
        assert.ok(error instanceof GatewayError, `a GatewayError, not ${String(error)}`);
        return error;
      }
      assert.fail("the call succeeded");
    };

    if (has("http")) {
      it("sends the deployment's model and the messages upstream, not the public name", async () => {
        const before = fake.requests.length;
        await adapter.chat(chatRequest(), testCall(model("echo")));
        assert.equal(fake.requests.length, before + 1);
        const sent = fake.requests.at(-1)!;
        assert.equal(sent.method, "POST");
        const seen = `${sent.path} ${JSON.stringify(sent.body)}`;
        assert.ok(seen.includes(model("echo")), `the upstream model in the path or body: ${seen}`);
        assert.ok(seen.includes(TEXT), "the user's text");
        assert.ok(seen.includes(SYSTEM), "the system text");
        assert.ok(!seen.includes("public-model-name"), "not the public model name");
      });
    }

    it("answers a chat call with the text, finish reason stop, and usage", async () => {
      const answer = await adapter.chat(chatRequest(), testCall(model("echo")));
      assert.equal(answer.object, "chat.completion");
      const choice = choiceOf(answer);
      assert.equal(choice.message?.role, "assistant");
      assert.equal(choice.message?.content, TEXT);
      assert.equal(choice.finish_reason, "stop");
      assert.ok(answer.usage, "usage");
      if (has("http")) {
        assert.equal(answer.usage.prompt_tokens, countWords(`${SYSTEM} ${TEXT}`));
        assert.equal(answer.usage.completion_tokens, countWords(TEXT));
      } else {
        assert.ok(answer.usage.prompt_tokens > 0 && (answer.usage.completion_tokens ?? 0) > 0);
      }
    });

    it("streams a chat call: role first, text deltas, finish reason, then a usage chunk", async () => {
      const chunks = await collect(adapter.chatStream(chatRequest({ stream: true }), testCall(model("echo"))));
      assert.ok(chunks.every((chunk) => chunk.object === "chat.completion.chunk"));
      assert.equal(choiceOf(chunks[0]!).delta?.role, "assistant");
      const text = chunks.map((chunk) => (chunk.choices[0] as Choice | undefined)?.delta?.content ?? "").join("");
      assert.equal(text, TEXT);
      const last = chunks.at(-1)!;
      assert.deepEqual(last.choices, []);
      assert.ok(last.usage && last.usage.prompt_tokens > 0, "the last chunk carries usage");
      const withChoices = chunks.filter((chunk) => chunk.choices.length > 0);
      assert.equal(choiceOf(withChoices.at(-1)!).finish_reason, "stop");
      assert.ok(
        withChoices.slice(0, -1).every((chunk) => choiceOf(chunk).finish_reason == null),
        "only the last has a finish reason",
      );
    });

    if (has("tools")) {
      it("calls the first declared tool", async () => {
        const answer = await adapter.chat(chatRequest({ tools: [lookupTool, secondTool] }), testCall(model("tool")));
        const choice = choiceOf(answer);
        assert.equal(choice.finish_reason, "tool_calls");
        const calls = choice.message?.tool_calls as { id: string; type: string; function: { name: string; arguments: string } }[];
        assert.equal(calls.length, 1);
        assert.equal(calls[0]!.type, "function");
        assert.ok(calls[0]!.id, "a call id");
        assert.equal(calls[0]!.function.name, "lookup");
        assert.deepEqual(JSON.parse(calls[0]!.function.arguments), { q: TEXT });
      });

      it("streams a tool call whose arguments arrive in pieces", async () => {
        const chunks = await collect(
          adapter.chatStream(chatRequest({ stream: true, tools: [lookupTool, secondTool] }), testCall(model("tool"))),
        );
        type Delta = { index: number; id?: string; function?: { name?: string; arguments?: string } };
        const deltas = chunks.flatMap(
          (chunk) => ((chunk.choices[0] as Choice | undefined)?.delta?.tool_calls as Delta[] | undefined) ?? [],
        );
        assert.ok(
          deltas.every((delta) => delta.index === 0),
          "one call, index 0",
        );
        assert.equal(deltas.find((delta) => delta.function?.name)?.function?.name, "lookup");
        assert.ok(
          deltas.some((delta) => delta.id),
          "a call id",
        );
        const pieces = deltas.map((delta) => delta.function?.arguments ?? "").filter((piece) => piece !== "");
        if (has("streamed-tool-arguments")) assert.ok(pieces.length >= 2, `arguments in at least two deltas (got ${pieces.length})`);
        assert.deepEqual(JSON.parse(pieces.join("")), { q: TEXT });
        const withChoices = chunks.filter((chunk) => chunk.choices.length > 0);
        assert.equal(choiceOf(withChoices.at(-1)!).finish_reason, "tool_calls");
        assert.ok(chunks.at(-1)!.usage, "usage last");
      });
    }

    it("maps a 429 to upstream_rate_limited with its retry-after, in the gateway's words", async () => {
      const error = await failureOf(adapter.chat(chatRequest(), testCall(model("status-429"))));
      assert.equal(error.code, "upstream_rate_limited");
      assert.equal(error.retryAfterS, 7);
      assert.ok(!error.message.includes(LEAK_MARKER), error.message);
    });

    it("maps a 401 to upstream_auth_failed without the provider's text", async () => {
      const error = await failureOf(adapter.chat(chatRequest(), testCall(model("status-401"))));
      assert.equal(error.code, "upstream_auth_failed");
      assert.ok(!error.message.includes(LEAK_MARKER), error.message);
    });

    it("maps 500 to upstream_error and 503 / 529 to upstream_unavailable", async () => {
      for (const [status, code] of [
        [500, "upstream_error"],
        [503, "upstream_unavailable"],
        [529, "upstream_unavailable"],
      ] as const) {
        const error = await failureOf(adapter.chat(chatRequest(), testCall(model(`status-${status}`))));
        assert.equal(error.code, code, `status ${status}`);
        assert.ok(!error.message.includes(LEAK_MARKER), error.message);
      }
    });

    it("fails a stream that the upstream refuses before it starts", async () => {
      const error = await failureOf(collect(adapter.chatStream(chatRequest({ stream: true }), testCall(model("status-503")))));
      assert.equal(error.code, "upstream_unavailable");
    });

    if (has("context-length")) {
      it("maps a context-window refusal to context_length_exceeded", async () => {
        const error = await failureOf(adapter.chat(chatRequest(), testCall(model("context-length"))));
        assert.equal(error.code, "context_length_exceeded");
        assert.equal(error.spec.status, 400);
      });
    }

    if (has("blocked")) {
      it("reports a content-policy refusal as content_filtered or finish reason content_filter", async () => {
        try {
          const answer = await adapter.chat(chatRequest(), testCall(model("blocked")));
          assert.equal(choiceOf(answer).finish_reason, "content_filter");
        } catch (error) {
          assert.ok(error instanceof GatewayError && error.code === "content_filtered", String(error));
        }
      });
    }

    if (has("mid-stream-error")) {
      it("ends a stream that fails midway with a GatewayError after the text before it", async () => {
        const seen: ChatChunkJson[] = [];
        const error = await failureOf(
          (async () => {
            for await (const chunk of adapter.chatStream(chatRequest({ stream: true }), testCall(model("mid-stream-error"))))
              seen.push(chunk);
          })(),
        );
        assert.notEqual(error.code, "internal_error");
        assert.ok(
          seen.some((chunk) => (chunk.choices[0] as Choice | undefined)?.delta?.content),
          "a text delta came first",
        );
      });
    }

    it("stops a hanging stream when the call is cancelled", async () => {
      const controller = new AbortController();
      const disconnects = fake.disconnects;
      const chunks = adapter
        .chatStream(chatRequest({ stream: true }), testCall(model("hang"), { signal: controller.signal }))
        [Symbol.asyncIterator]();
      if (has("http")) await chunks.next(); // the upstream has answered: the abort must end a body in flight
      const rest = (async () => {
        // Chunks already received may still come; then the iterator must fail, not end.
        for (let result = await chunks.next(); !result.done; result = await chunks.next());
      })();
      controller.abort();
      await assert.rejects(rest, isCancellation(controller.signal));
      if (has("http")) await eventually(() => fake.disconnects > disconnects, "the upstream saw the connection close");
    });

    it("stops a hanging chat call when the call is cancelled", async () => {
      const controller = new AbortController();
      const answer = adapter.chat(chatRequest(), testCall(model("hang"), { signal: controller.signal }));
      setImmediate(() => controller.abort());
      await assert.rejects(answer, isCancellation(controller.signal));
    });

    if (has("rate-limits")) {
      it("reports the rate-limit headers of an answer", async () => {
        const call = testCall(model("echo"));
        await adapter.chat(chatRequest(), call);
        assert.equal(call.limits.length, 1);
        const limits = call.limits[0]!;
        assert.ok(limits.remainingRequests !== undefined || limits.remainingTokens !== undefined, JSON.stringify(limits));
        for (const value of Object.values(limits)) assert.ok(Number.isFinite(value) && value! >= 0, JSON.stringify(limits));
      });
    }

    if (has("embeddings")) {
      it("answers an embeddings call as a list of vectors", async () => {
        assert.ok(adapter.embeddings, "the adapter serves embeddings");
        const answer = await adapter.embeddings({ model: "public-model-name", input: ["one", "two"] }, testCall(model("echo")));
        assert.equal(answer.object, "list");
        assert.ok(answer.data.length > 0);
        assert.ok(Array.isArray(answer.data[0]!.embedding) || typeof answer.data[0]!.embedding === "string");
      });
    }
  });
}
