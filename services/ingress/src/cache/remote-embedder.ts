import { GatewayError } from "@switchyard/errors";
import { Cancellation } from "@switchyard/grpc";
import { Operation } from "@switchyard/proto";
import type { MeshClients } from "../mesh/clients.js";
import { cachedCall } from "../mesh/decision-cache.js";
import { openFirstAttempt } from "../pipeline/attempts.js";

/** Embeds a prompt with a public embeddings model of the config, through the router and connectors. */
export type RemoteEmbedder = (model: string, text: string, requestId: string) => Promise<number[]>;

/**
 * The semantic cache's embedder when the config names a model instead of `local`: one embeddings
 * call per lookup, planned and failed over like a client's, but not reported as a request of its own.
 */
export function remoteEmbedder(mesh: Pick<MeshClients, "router" | "connectors" | "decisions">, timeoutMs: number): RemoteEmbedder {
  return async (model, text, requestId) => {
    const control = { timeoutMs };
    const plan = await cachedCall(mesh.decisions.plans, `${model}\u0000embeddings\u0000`, () =>
      mesh.router.plan({ model, requestId, requiredCapabilities: [], operation: "embeddings" }, control),
    );
    if (plan.failure) throw GatewayError.fromFailure(plan.failure);
    const opened = await openFirstAttempt(
      plan.attempts,
      {
        requestId,
        operation: Operation.EMBEDDINGS,
        stream: false,
        body: Buffer.from(JSON.stringify({ model, input: text })),
        deadline: Date.now() + timeoutMs,
        cancellation: new Cancellation(),
      },
      mesh.connectors,
      [],
    );
    for (let event = opened.first; ; ) {
      if (event.event.case === "completion") {
        const parsed = JSON.parse(Buffer.from(event.event.value).toString()) as { data?: { embedding?: unknown }[] };
        const vector = parsed.data?.[0]?.embedding;
        if (!Array.isArray(vector) || vector.length === 0 || !vector.every((x) => typeof x === "number")) {
          throw new GatewayError("upstream_error", `Embeddings model ${model} sent no vector.`);
        }
        opened.cancel();
        return vector as number[];
      }
      if (event.event.case === "failure") throw GatewayError.fromFailure(event.event.value);
      const next = await opened.rest.next();
      if (next.done) throw new GatewayError("upstream_error", `Embeddings model ${model} sent no completion.`);
      event = next.value;
    }
  };
}
