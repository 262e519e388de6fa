import { GatewayError } from "@switchyard/errors";
import { type AdapterContext, type AdapterFactory, withUpstreamBytes } from "../types.js";
import { errorFromTransport } from "../upstream-errors.js";
import { OpenAIApi, type UpstreamStream, type UpstreamText } from "./api.js";
import { upstreamChatBytes, upstreamEmbeddingsBytes } from "./request.js";
import { errorFromResponse, parseChatCompletion, parseEmbeddings } from "./response.js";
import { readChatStream } from "./stream.js";

/** OpenAI and any OpenAI-compatible server (vLLM, Ollama, LM Studio…) at `api_base`. */
export const createOpenAIAdapter: AdapterFactory = (provider) => {
  const api = new OpenAIApi(provider);
  const name = provider.name;

  const logRequest = (path: string, ctx: AdapterContext) => {
    if (ctx.debug) ctx.logger.debug({ url: api.urlOf(path), model: ctx.deployment.model }, "upstream request");
  };

  /** POSTs and returns a 2xx answer as its body arrives; other statuses and transport failures become GatewayErrors. */
  const sendForStream = async (path: string, body: Buffer, ctx: AdapterContext): Promise<UpstreamStream> => {
    logRequest(path, ctx);
    let response: UpstreamStream | UpstreamText;
    try {
      response = await api.postForStream(path, body, { cancellation: ctx.cancellation, accept: "text/event-stream" });
    } catch (error) {
      throw ctx.cancellation.cancelled ? error : errorFromTransport(name, error);
    }
    if ("body" in response) return response;
    throw errorFromResponse(name, response.status, response.headers, response.text);
  };

  /** POSTs and returns a 2xx answer, read whole; like `sendForStream` for what is not one. */
  const sendForText = async (path: string, body: Buffer, ctx: AdapterContext): Promise<UpstreamText> => {
    logRequest(path, ctx);
    let response: UpstreamText;
    try {
      response = await api.postForText(path, body, { cancellation: ctx.cancellation, accept: "application/json" });
    } catch (error) {
      throw ctx.cancellation.cancelled ? error : errorFromTransport(name, error);
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw errorFromResponse(name, response.status, response.headers, response.text);
  };

  return {
    async chat(request, ctx) {
      const answer = await sendForText("/chat/completions", upstreamChatBytes(request, ctx.deployment.model, false), ctx);
      // OpenAI's answer is already the gateway's: parsed to check it and read its usage, sent on as it came.
      return withUpstreamBytes(parseChatCompletion(answer.text, name), answer.bytes);
    },

    async *chatStream(request, ctx) {
      const response = await sendForStream("/chat/completions", upstreamChatBytes(request, ctx.deployment.model, true), ctx);
      const type = String(response.headers["content-type"] ?? "");
      if (!type.includes("text/event-stream")) {
        response.body.destroy();
        throw new GatewayError("upstream_error", `${name} answered a streamed request with ${type || "no content type"}, not an event stream`);
      }
      let complete = false;
      try {
        yield* readChatStream(response.body, name);
        complete = true;
      } catch (error) {
        throw ctx.cancellation.cancelled || error instanceof GatewayError ? error : errorFromTransport(name, error);
      } finally {
        // After `[DONE]` the rest of the body is only its end: read it and keep the connection.
        // Stopped early (failed, cancelled, or the consumer went away): close it now.
        if (complete) response.body.release();
        else response.body.destroy();
      }
    },

    async embeddings(request, ctx) {
      const answer = await sendForText("/embeddings", upstreamEmbeddingsBytes(request, ctx.deployment.model), ctx);
      return withUpstreamBytes(parseEmbeddings(answer.text, name), answer.bytes);
    },

    close: () => api.close(),
  };
};
