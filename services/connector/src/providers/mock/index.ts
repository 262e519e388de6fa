import type { AdapterFactory } from "../types.js";
import { mockChat, mockChatStream, wait } from "./chat.js";
import { mockEmbeddings } from "./embeddings.js";
import { mockFailure, parseMockModel } from "./model-spec.js";

/** A deterministic provider with no network: the deployment's model name says what it does. */
export const createMockAdapter: AdapterFactory = () => ({
  chat: (request, call) => mockChat(request, call),
  chatStream: (request, call) => mockChatStream(request, call),
  async embeddings(request, call) {
    const spec = parseMockModel(call.deployment.model);
    await wait(spec.ttftMs + spec.latencyMs, call.signal);
    if (spec.behaviour === "fail") throw mockFailure(spec);
    return mockEmbeddings(request, call);
  },
});
