import { fromJsonString } from "@bufbuild/protobuf";
import { type UsageEvent, UsageEventSchema } from "@switchyard/proto";
import { eventually, type TestMesh } from "./harness.js";

/**
 * Watches `switchyard.usage.>` from before a request is sent (as `nats sub` would) and resolves
 * with the usage event, and the subject it came on, for the request id the client saw.
 */
export function watchUsage(t: TestMesh) {
  const seen = new Map<string, { subject: string; event: UsageEvent }>();
  const subscription = t.nats.subscribe("switchyard.usage.>", {
    callback: (_error, message) => {
      const event = fromJsonString(UsageEventSchema, message.string());
      seen.set(event.requestId, { subject: message.subject, event });
    },
  });
  return {
    eventOf: async (requestId: string) => {
      try {
        return await eventually(async () => seen.get(requestId), `the usage event of ${requestId}`);
      } finally {
        subscription.unsubscribe();
      }
    },
  };
}

/** A sentence of `count` distinct words (`w0 w1 …`), for answers long enough to cut short. */
export function manyWords(count: number, prefix = "w"): string {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`).join(" ");
}
