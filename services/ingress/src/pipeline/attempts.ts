import { create } from "@bufbuild/protobuf";
import { GatewayError, specOf } from "@switchyard/errors";
import { type Cancellable, GrpcStatus } from "@switchyard/grpc";
import {
  type Attempt,
  AttemptSchema,
  type Deployment,
  ErrorClass,
  type GenerateResponse,
  type Operation,
  type UpstreamLimits,
} from "@switchyard/proto";
import type { ConnectorClient } from "../mesh/connector-pool.js";

export interface ConnectorPicker {
  pick(provider: string, exclude?: ReadonlySet<string>): { id: string; client: ConnectorClient } | undefined;
}

export interface AttemptRequest {
  requestId: string;
  operation: Operation;
  stream: boolean;
  body: Uint8Array;
  deadline: number;
  /** Cancelled when the client goes away. */
  cancellation: Cancellable;
}

/** An attempt whose first event was good: the caller streams the rest to the client. */
export interface OpenedAttempt {
  deployment: Deployment;
  first: GenerateResponse;
  rest: AsyncIterator<GenerateResponse>;
  /** Cancels the upstream call (client went away). */
  cancel(): void;
  started: number;
}

export class AttemptsExhausted extends Error {
  constructor(readonly error: GatewayError) {
    super(error.message);
  }
}

/**
 * Tries the plan's deployments in order until one produces its first event. Failover happens
 * here, before anything reaches the client: a retryable failure moves on to the next deployment,
 * a final or client failure ends the request. Every attempt is recorded in `attempts`.
 */
export async function openFirstAttempt(
  plan: readonly Deployment[],
  request: AttemptRequest,
  connectors: ConnectorPicker,
  attempts: Attempt[],
): Promise<OpenedAttempt> {
  let lastError: GatewayError | undefined;
  for (const deployment of plan) {
    if (request.cancellation.cancelled) throw new GatewayError("request_cancelled", "The client closed the connection.");
    const remaining = request.deadline - Date.now();
    if (remaining <= 0) {
      lastError = new GatewayError("upstream_timeout", "The request's time budget ran out before a deployment answered.");
      break;
    }
    const started = performance.now();
    const record = (status: number, errorCode = "", limits?: UpstreamLimits) =>
      attempts.push(
        create(AttemptSchema, {
          deploymentId: deployment.id,
          provider: deployment.provider,
          status,
          latencyMs: performance.now() - started,
          errorCode,
          ...(limits ? { limits } : {}),
        }),
      );

    const replica = connectors.pick(deployment.provider);
    if (!replica) {
      lastError = new GatewayError("no_deployment_available", `No connector for provider "${deployment.provider}" is running.`);
      record(0, "no_connector");
      continue;
    }

    const timeoutMs = Math.min(remaining, deployment.timeoutMs || remaining);
    const call = replica.client.generate(
      {
        requestId: request.requestId,
        deployment,
        operation: request.operation,
        stream: request.stream,
        body: request.body,
        timeoutMs,
      },
      // A client that leaves cancels the attempt in flight.
      { cancellation: request.cancellation, timeoutMs: timeoutMs + 1_000 },
    );
    const iterator = call[Symbol.asyncIterator]();
    const cancel = () => void iterator.return?.();

    let first: IteratorResult<GenerateResponse>;
    try {
      first = await iterator.next();
    } catch (error) {
      cancel();
      if (request.cancellation.cancelled) throw new GatewayError("request_cancelled", "The client closed the connection.");
      lastError = fromTransportError(error, deployment);
      record(0, lastError.code);
      continue;
    }

    if (first.done) {
      cancel();
      lastError = new GatewayError("upstream_error", `Deployment ${deployment.id} ended without an answer.`);
      record(502, lastError.code);
      continue;
    }
    if (first.value.event.case === "failure") {
      cancel();
      const failure = first.value.event.value;
      lastError = GatewayError.fromFailure(failure);
      record(failure.upstreamStatus || specOf(failure.code).status, failure.code, first.value.limits);
      if (failure.class === ErrorClass.RETRYABLE) continue;
      throw new AttemptsExhausted(lastError);
    }

    record(200);
    return { deployment, first: first.value, rest: iterator, cancel, started };
  }
  throw new AttemptsExhausted(
    lastError ?? new GatewayError("no_deployment_available", "The model has no deployment to try."),
  );
}

function fromTransportError(error: unknown, deployment: Deployment): GatewayError {
  const code = (error as { code?: number }).code;
  if (code === GrpcStatus.DEADLINE_EXCEEDED) {
    return new GatewayError("upstream_timeout", `Deployment ${deployment.id} timed out.`);
  }
  return new GatewayError("upstream_unavailable", `The ${deployment.provider} connector could not be reached.`);
}

/** `deployment:status` pairs in order, for `x-switchyard-attempts`. */
export function attemptsHeader(attempts: readonly Attempt[]): string {
  return attempts.map((a) => `${a.deploymentId}:${a.status}`).join(",");
}
