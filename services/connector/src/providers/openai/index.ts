import { OPENAI_DEFAULT_BASE, type ProviderConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { openAIRateLimits } from "../../http/rate-limits.js";
import { UpstreamClient } from "../../http/upstream-client.js";
import { RequestBody } from "../request-body.js";
import {
  type AdapterFactory,
  type JsonObject,
  type PassthroughMethods,
  type ProviderAdapter,
  type ProviderCall,
  withUpstreamBytes,
} from "../types.js";
import { OPENAI_PRESET_SPECS, presetChanges } from "./presets.js";
import { upstreamChatBytes, upstreamEmbeddingsBytes } from "./request.js";
import { parseChatCompletion, parseEmbeddings } from "./response.js";
import { readChatStream } from "./stream.js";

/** Where an OpenAI-compatible API lives and how it is called: all that differs between OpenAI, Azure and the presets. */
export interface OpenAIEndpoint {
  baseUrl: string;
  /** Auth and any other static headers. */
  headers: Record<string, string>;
  /** Path of a chat completion / embeddings request for an upstream model name. */
  chatPath: (model: string) => string;
  embeddingsPath: (model: string) => string;
  /** Query added to every request (Azure's api-version). */
  query?: Record<string, string>;
  /** Members changed in every chat body beyond model/stream (a preset's dropped or renamed params). */
  chatChanges?: (request: RequestBody) => JsonObject;
}

/** OpenAI itself, a preset service (`preset`), or any OpenAI-compatible server at `api_base`. */
export function openAIEndpoint(config: ProviderConfig): OpenAIEndpoint {
  const apiKey = "api_key" in config ? config.api_key : undefined;
  const preset = config.kind === "openai" && config.preset ? OPENAI_PRESET_SPECS[config.preset] : undefined;
  const chatChanges = preset && presetChanges(preset);
  return {
    baseUrl: config.api_base ?? preset?.baseUrl ?? OPENAI_DEFAULT_BASE,
    headers: { ...config.headers, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    chatPath: () => "/chat/completions",
    embeddingsPath: () => "/embeddings",
    ...(chatChanges ? { chatChanges } : {}),
  };
}

export const createOpenAIAdapter: AdapterFactory = (config) => createOpenAICompatibleAdapter(config, openAIEndpoint(config));

/**
 * An adapter for an API speaking OpenAI's wire format at `endpoint`. It takes the byte
 * passthrough (`passthrough`): the client's body goes upstream with a few members rewritten, and
 * the upstream's answer and chunks go back as their own bytes. The plain methods wrap those.
 */
export function createOpenAICompatibleAdapter(config: ProviderConfig, endpoint: OpenAIEndpoint): ProviderAdapter {
  const name = config.name;
  const client = new UpstreamClient({ provider: name, baseUrl: endpoint.baseUrl, headers: endpoint.headers, rateLimits: openAIRateLimits });

  const logRequest = (path: string, call: ProviderCall) => {
    if (call.logger.isLevelEnabled("debug"))
      call.logger.debug({ url: client.urlOf(path, endpoint.query), model: call.deployment.model }, "upstream request");
  };
  const chatBody = (request: RequestBody, model: string, stream: boolean) => {
    const extra = endpoint.chatChanges?.(request);
    return upstreamChatBytes(request, model, stream, extra);
  };

  const passthrough: PassthroughMethods = {
    async chat(request, call) {
      const path = endpoint.chatPath(call.deployment.model);
      logRequest(path, call);
      const answer = await client.postForText(path, chatBody(request, call.deployment.model, false), call, endpoint.query);
      // OpenAI's answer is already the gateway's: parsed to check it and read its usage, sent on as it came.
      return withUpstreamBytes(parseChatCompletion(answer.text, name), answer.bytes);
    },

    async *chatStream(request, call) {
      const path = endpoint.chatPath(call.deployment.model);
      logRequest(path, call);
      const response = await client.postStream(path, chatBody(request, call.deployment.model, true), call, endpoint.query);
      const type = String(response.headers["content-type"] ?? "");
      if (!type.includes("text/event-stream")) {
        response.body.destroy();
        throw new GatewayError(
          "upstream_error",
          `${name} answered a streamed request with ${type || "no content type"}, not an event stream`,
        );
      }
      yield* readChatStream(response.body, name);
    },

    async embeddings(request, call) {
      const path = endpoint.embeddingsPath(call.deployment.model);
      logRequest(path, call);
      const answer = await client.postForText(path, upstreamEmbeddingsBytes(request, call.deployment.model), call, endpoint.query);
      return withUpstreamBytes(parseEmbeddings(answer.text, name), answer.bytes);
    },
  };

  // Plain calls (tests, the conformance suite) take the same path through a body made of the object.
  return {
    passthrough,
    chat: (request, call) => passthrough.chat(RequestBody.of(request), call),
    chatStream: (request, call) => passthrough.chatStream(RequestBody.of(request), call),
    embeddings: (request, call) => passthrough.embeddings!(RequestBody.of(request), call),
    close: () => client.close(),
  };
}
