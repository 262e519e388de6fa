import type { AdapterFactory } from "../types.js";
import { mockChat, mockChatStream, wait } from "./chat.js";
import { mockEmbeddings } from "./embeddings.js";
import { mockFailure, parseMockModel } from "./model-spec.js";

/** A deterministic provider with no network: the deployment's model name says what it does. */
export const createMockAdapter: AdapterFactory = () => ({
  // The mock reads every field it answers from: it parses the body.
  chat: (request, ctx) => mockChat(request.json, ctx),
  chatStream: (request, ctx) => mockChatStream(request.json, ctx),
  async embeddings(request, ctx) {
    const spec = parseMockModel(ctx.deployment.model);
    await wait(spec.ttftMs + spec.latencyMs, ctx.signal);
    if (spec.behaviour === "fail") throw mockFailure(spec);
    return mockEmbeddings(request.json, ctx);
  },
});
