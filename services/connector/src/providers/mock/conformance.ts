import type { ConformanceTarget } from "../conformance-target.js";

/** The mock has no upstream: a stand-in fake that is never called; its own model names differ. */
export const conformance: ConformanceTarget = {
  kind: "mock",
  start: async () => ({ url: "http://127.0.0.1:1", requests: [], disconnects: 0, close: async () => {} }),
  config: () => ({ kind: "mock", name: "mock", enabled: true }),
  lacks: ["http", "auth", "rate-limits", "blocked", "context-length"],
  model(behaviour) {
    const status = /^status-(\d+)$/.exec(behaviour);
    if (status) return `fail?status=${status[1]}${status[1] === "429" ? "&retry_after=7" : ""}`;
    if (behaviour === "mid-stream-error") return "fail?status=500&after_chunks=1";
    if (behaviour === "hang") return "echo?ttft_ms=3600000";
    return "echo";
  },
};
