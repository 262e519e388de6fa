import { GatewayError } from "@switchyard/errors";
import { sseEvents } from "../../http/sse.js";
import type { AdapterFactory, ProviderCall } from "../types.js";
import { type GeminiMethod, geminiClient, methodPath, STREAM_QUERY } from "./api.js";
import { toGeminiChatBody, toGeminiEmbeddings } from "./request.js";
import { fromGeminiEmbeddings, fromGeminiResponse, type GeminiResponse } from "./response.js";
import { GeminiStreamTranslator } from "./stream.js";

/**
 * Google's Gemini API (generateContent / streamGenerateContent / embedContent): the OpenAI-shaped
 * request translated to Gemini's contents and back. Gemini sends no rate-limit headers, so nothing
 * is reported to `reportLimits`; a 429's wait comes from `retry-after` or the body's RetryInfo.
 * Gemini reports no token counts for embeddings: their usage is an estimate (`estimateTokens`).
 */
export const createGeminiAdapter: AdapterFactory = (config) => {
  const name = config.name;
  const client = geminiClient(config);

  const pathFor = (method: GeminiMethod, call: ProviderCall) => {
    const path = methodPath(call.deployment.model, method);
    if (call.logger.isLevelEnabled("debug"))
      call.logger.debug({ url: client.urlOf(path), model: call.deployment.model }, "upstream request");
    return path;
  };

  return {
    async chat(request, call) {
      const body = toGeminiChatBody(request);
      const answer = await client.postJson<GeminiResponse>(pathFor("generateContent", call), body, call);
      return fromGeminiResponse(answer.json, call.deployment.model, name);
    },

    async *chatStream(request, call) {
      const body = toGeminiChatBody(request);
      const response = await client.postStream(pathFor("streamGenerateContent", call), body, call, STREAM_QUERY);
      const type = String(response.headers["content-type"] ?? "");
      if (!type.includes("text/event-stream")) {
        response.body.destroy();
        throw new GatewayError(
          "upstream_error",
          `${name} answered a streamed request with ${type || "no content type"}, not an event stream`,
        );
      }
      const translator = new GeminiStreamTranslator(call.deployment.model, name);
      for await (const event of sseEvents(response.body)) {
        const chunk = translator.data(event.data);
        if (chunk) yield chunk;
      }
      yield translator.end();
    },

    async embeddings(request, call) {
      const { method, body, texts } = toGeminiEmbeddings(request, call.deployment.model);
      const answer = await client.postJson(pathFor(method, call), body, call);
      return fromGeminiEmbeddings(answer.json, texts, call.deployment.model, name, request.encoding_format === "base64");
    },

    close: () => client.close(),
  };
};
