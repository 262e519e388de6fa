import { GatewayError } from "@switchyard/errors";
import { Cancellation } from "@switchyard/grpc";
import { type GenerateResponse, Operation } from "@switchyard/proto";
import type { MeshClients } from "../mesh/clients.js";
import { cachedCall } from "../mesh/decision-cache.js";
import { AttemptsExhausted, openFirstAttempt } from "../pipeline/attempts.js";
import { eventIdOf } from "../pipeline/request-id.js";
import { RequestRecord } from "../pipeline/request-record.js";

/** Who asked: the embeddings call is charged to the caller of the request it serves. */
export interface EmbeddingCaller {
  requestId: string;
  keyName: string;
  team: string;
}

/** Embeds a prompt with a public embeddings model of the config, through the router and connectors. */
export type RemoteEmbedder = (model: string, text: string, caller: EmbeddingCaller) => Promise<number[]>;

/**
 * The semantic cache's embedder when the config names a model instead of `local`: one embeddings
 * call per lookup, planned and failed over like a client's. It publishes a usage event of its own
 * (request id `<request id>.embedding`, endpoint `/v1/embeddings`), so budgets count its cost.
 */
export function remoteEmbedder(
  mesh: Pick<MeshClients, "router" | "connectors" | "decisions" | "usage">,
  timeoutMs: number,
): RemoteEmbedder {
  return async (model, text, caller) => {
    const record = new RequestRecord(
      `${caller.requestId}.embedding`,
      eventIdOf(`${caller.requestId}.embedding`, undefined),
      "/v1/embeddings",
      model,
      false,
    );
    record.keyName = caller.keyName;
    record.team = caller.team;
    record.cache = "bypass";
    let status = 200;
    try {
      return await embed(mesh, timeoutMs, model, text, record);
    } catch (error) {
      const failure = error instanceof AttemptsExhausted ? error.error : error;
      record.error = failure instanceof GatewayError ? failure : new GatewayError("internal_error", "The embeddings call failed.");
      status = 502;
      throw failure;
    } finally {
      mesh.usage.publish(record.outcome(status), record.toEvent(status));
    }
  };
}

async function embed(
  mesh: Pick<MeshClients, "router" | "connectors" | "decisions">,
  timeoutMs: number,
  model: string,
  text: string,
  record: RequestRecord,
): Promise<number[]> {
  const control = { timeoutMs };
  const plan = await cachedCall(mesh.decisions.plans, `${model}\u0000embeddings\u0000`, () =>
    mesh.router.plan({ model, requestId: record.requestId, requiredCapabilities: [], operation: "embeddings" }, control),
  );
  if (plan.failure) throw GatewayError.fromFailure(plan.failure);
  record.strategy = plan.strategy;
  const opened = await openFirstAttempt(
    plan.attempts,
    {
      requestId: record.requestId,
      operation: Operation.EMBEDDINGS,
      stream: false,
      body: Buffer.from(JSON.stringify({ model, input: text })),
      deadline: Date.now() + timeoutMs,
      cancellation: new Cancellation(),
    },
    mesh.connectors,
    record.attempts,
  );
  record.deployment = opened.deployment;
  let completion: Uint8Array | undefined;
  for (let event: GenerateResponse | undefined = opened.first; event; ) {
    if (event.event.case === "completion") completion = event.event.value;
    else if (event.event.case === "usage") record.usage = event.event.value;
    else if (event.event.case === "failure") throw GatewayError.fromFailure(event.event.value);
    const next = await opened.rest.next();
    event = next.done ? undefined : next.value;
  }
  const parsed = completion ? (JSON.parse(Buffer.from(completion).toString()) as { data?: { embedding?: unknown }[] }) : undefined;
  const vector = parsed?.data?.[0]?.embedding;
  if (!Array.isArray(vector) || vector.length === 0 || !vector.every((x) => typeof x === "number")) {
    throw new GatewayError("upstream_error", `Embeddings model ${model} sent no vector.`);
  }
  return vector as number[];
}
