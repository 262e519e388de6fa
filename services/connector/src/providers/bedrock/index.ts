import { EventStreamCodec, MessageDecoderStream } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { providerConfigOf } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import { headerNumber, headerText } from "../../http/rate-limits.js";
import { UpstreamClient } from "../../http/upstream-client.js";
import type { AdapterFactory, ChatChunkJson, EmbeddingsResponseJson, JsonObject, ProviderCall } from "../types.js";
import { bedrockBaseUrl, createSigner, modelPath } from "./api.js";
import { errorOfStreamException, parseBedrockError } from "./errors.js";
import { cohereEmbeddingBody, embeddingFamilyOf, embeddingInputs, titanEmbeddingBodies, toConverseRequest } from "./request.js";
import { type AnswerIdentity, fromCohereEmbeddings, fromConverseResponse, fromTitanEmbeddings, malformed } from "./response.js";
import { chunkOfStreamEvent, newStreamState, usageChunk } from "./stream.js";

/** Titan embeds one text per call: this many calls at once for one request. */
const TITAN_CONCURRENCY = 8;
/** Cohere's embed models take at most this many texts per call. */
const COHERE_BATCH = 96;

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** Amazon Bedrock: chat through Converse / ConverseStream, embeddings through InvokeModel (Titan, Cohere). */
export const createBedrockAdapter: AdapterFactory = (provider) => {
  const config = providerConfigOf(provider, "bedrock");
  const name = config.name;
  const region = config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error(`provider ${name}: bedrock needs a region (set region, or AWS_REGION)`);
  const endpoint = { ...config, region };
  const client = new UpstreamClient({
    provider: name,
    baseUrl: bedrockBaseUrl(endpoint),
    ...(config.headers ? { headers: config.headers } : {}),
    sign: createSigner(endpoint),
    parseError: parseBedrockError,
  });

  const identityOf = (call: ProviderCall): AnswerIdentity => ({
    id: `chatcmpl-${call.requestId}`,
    created: Math.floor(Date.now() / 1000),
    model: call.deployment.model,
  });

  return {
    async chat(request, call) {
      const body = toConverseRequest(request);
      const answer = await client.postJson(modelPath(call.deployment.model, "converse"), body, call);
      return fromConverseResponse(answer.json, identityOf(call), name);
    },

    async *chatStream(request, call) {
      const body = toConverseRequest(request);
      const response = await client.postStream(modelPath(call.deployment.model, "converse-stream"), body, call);
      const type = headerText(response.headers, "content-type") ?? "";
      if (!type.includes("application/vnd.amazon.eventstream")) {
        response.body.destroy();
        throw new GatewayError(
          "upstream_error",
          `${name} answered a streamed request with ${type || "no content type"}, not an event stream`,
        );
      }
      const state = newStreamState(identityOf(call));
      let complete = false;
      try {
        for await (const message of new MessageDecoderStream({ inputStream: response.body, decoder: codec })) {
          const chunk = chunkOfMessage(state, message.headers, message.body, name);
          if (chunk) yield chunk;
        }
        complete = true;
      } catch (error) {
        throw error instanceof GatewayError || call.signal.aborted
          ? error
          : malformed(name, `event stream unreadable (${errorText(error)})`);
      } finally {
        if (complete) response.body.release();
        else response.body.destroy();
      }
      if (state.finishReason === undefined) throw new GatewayError("upstream_error", `${name} ended the stream before it finished`);
      // Every stream ends with usage; Bedrock sends it as `metadata`, after messageStop.
      if (state.usage === undefined) yield usageChunk(state, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    },

    async embeddings(request, call) {
      const model = call.deployment.model;
      const family = embeddingFamilyOf(model);
      const path = modelPath(model, "invoke");
      if (family === "titan") {
        const answers = await inBatches(titanEmbeddingBodies(request), TITAN_CONCURRENCY, (body) =>
          client.postJson(path, body, call).then((a) => a.json),
        );
        return fromTitanEmbeddings(answers, model, name);
      }
      if (family === "cohere") {
        const texts = embeddingInputs(request);
        const parts: EmbeddingsResponseJson[] = [];
        for (let start = 0; start < texts.length; start += COHERE_BATCH) {
          const answer = await client.postJson(path, cohereEmbeddingBody(texts.slice(start, start + COHERE_BATCH)), call);
          parts.push(fromCohereEmbeddings(answer.json, model, headerNumber(answer.headers, "x-amzn-bedrock-input-token-count") ?? 0, name));
        }
        return joinEmbeddings(parts, model);
      }
      throw new GatewayError(
        "invalid_request",
        `${name} serves embeddings from Titan (amazon.titan-embed-*) and Cohere (cohere.embed-*) models only, not ${model}`,
        {
          param: "model",
        },
      );
    },

    close: () => client.close(),
  };
};

/**
 * One event-stream message as a chunk: events by `:event-type`, exceptions (`:exception-type`)
 * and errors (`:error-code`) as the GatewayError they stand for.
 */
function chunkOfMessage(
  state: ReturnType<typeof newStreamState>,
  headers: Record<string, { type: string; value: unknown }>,
  body: Uint8Array,
  provider: string,
): ChatChunkJson | undefined {
  const messageType = headers[":message-type"]?.value;
  if (messageType === "exception") throw errorOfStreamException(provider, String(headers[":exception-type"]?.value ?? ""), toUtf8(body));
  if (messageType === "error") {
    throw new GatewayError("upstream_error", `${provider} failed mid-stream (${String(headers[":error-code"]?.value ?? "unknown error")})`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(toUtf8(body));
  } catch {
    throw malformed(provider, "stream event is not JSON");
  }
  if (typeof payload !== "object" || payload === null) throw malformed(provider, "stream event is not a JSON object");
  return chunkOfStreamEvent(state, String(headers[":event-type"]?.value ?? ""), payload as JsonObject);
}

/** Runs `task` on every item with at most `limit` at once; results in the items' order. */
async function inBatches<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function joinEmbeddings(parts: EmbeddingsResponseJson[], model: string): EmbeddingsResponseJson {
  if (parts.length === 1) return parts[0]!;
  const data: JsonObject[] = [];
  let tokens = 0;
  for (const part of parts) {
    for (const item of part.data) data.push({ ...item, index: data.length });
    tokens += part.usage?.prompt_tokens ?? 0;
  }
  return { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
