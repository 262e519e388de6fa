import { GatewayError } from "@switchyard/errors";
import { sseEvents } from "../../http/sse.js";
import type { AdapterFactory, ProviderCall } from "../types.js";
import { anthropicClient, MESSAGES_PATH } from "./api.js";
import { toAnthropicRequest } from "./request.js";
import { toChatCompletion } from "./response.js";
import { AnthropicStreamTranslator } from "./stream.js";

/** Anthropic's Messages API: the OpenAI-shaped request translated there and the answer back. No embeddings. */
export const createAnthropicAdapter: AdapterFactory = (config) => {
  const client = anthropicClient(config);
  const name = config.name;

  const before = (call: ProviderCall) => {
    if (call.logger.isLevelEnabled("debug"))
      call.logger.debug({ url: client.urlOf(MESSAGES_PATH), model: call.deployment.model }, "upstream request");
  };

  return {
    async chat(request, call) {
      const plan = toAnthropicRequest(request, call.deployment.model, { stream: false });
      before(call);
      const answer = await client.postJson(MESSAGES_PATH, plan.body, call);
      return toChatCompletion(answer.json, { provider: name, jsonTool: plan.jsonTool });
    },

    async *chatStream(request, call) {
      const plan = toAnthropicRequest(request, call.deployment.model, { stream: true });
      before(call);
      const response = await client.postStream(MESSAGES_PATH, plan.body, call);
      const type = String(response.headers["content-type"] ?? "");
      if (!type.includes("text/event-stream")) {
        response.body.destroy();
        throw new GatewayError(
          "upstream_error",
          `${name} answered a streamed request with ${type || "no content type"}, not an event stream`,
        );
      }
      const translator = new AnthropicStreamTranslator(name, plan.jsonTool);
      for await (const event of sseEvents(response.body)) {
        let chunks: ReturnType<AnthropicStreamTranslator["event"]>;
        try {
          chunks = translator.event(event.data);
        } catch (error) {
          // An error event or a malformed one: whatever follows is not wanted, nor the connection.
          response.body.destroy();
          throw error;
        }
        yield* chunks;
        if (translator.done) return;
      }
      yield* translator.end();
    },

    close: () => client.close(),
  };
};
