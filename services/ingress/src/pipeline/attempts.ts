import { create } from "@bufbuild/protobuf";
import { GatewayError, specOf } from "@switchyard/errors";
import { type Cancellable, Cancellation, GrpcStatus } from "@switchyard/grpc";
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
  /** Ends the attempt's in-flight count; call once the answer is over. */
  done(): void;
}

export class AttemptsExhausted extends Error {
  constructor(readonly error: GatewayError) {
    super(error.message);
  }
}

/** How the attempts of one request behave beyond the order of the plan. */
export interface AttemptPolicy {
  /** Extra tries on the same deployment after a retryable failure, with jittered exponential backoff. */
  retries: { attempts: number; backoffMs: number; maxBackoffMs: number };
  /** The first `ownAttempts` deployments are the model's own; a context-length refusal jumps past them to the fallbacks. */
  ownAttempts: number;
  /** Tells the ingress's health view how each attempt went. */
  onAttempt?: (deployment: Deployment, outcome: "ok" | "failed" | "other", retryAfterS: number) => void;
  /** Counts the attempt in flight; the returned function ends the count. */
  track?: (deployment: Deployment) => () => void;
  /**
   * A cascade's check: every attempt but the last is read to its end (buffered, nothing reaches
   * the client) and passed over when this names a check it fails.
   */
  check?: (events: readonly GenerateResponse[]) => string | undefined;
  /** Why the answer came from where it did (escalations, hedges), for the route header. */
  notes?: string[];
  /**
   * Hedging: `afterMs` says how long an attempt on a deployment may go without a first event
   * before the next deployment starts too (undefined: never); `take` spends the hedge budget.
   */
  hedge?: { afterMs: (deploymentId: string) => number | undefined; take: () => boolean };
  random?: () => number;
}

export const NO_RETRIES: AttemptPolicy = { retries: { attempts: 0, backoffMs: 0, maxBackoffMs: 0 }, ownAttempts: 0 };

type TryResult =
  | { kind: "opened"; opened: OpenedAttempt }
  | { kind: "failed"; error: GatewayError; retryable: boolean; retryAfterS: number; escalate?: true };

/**
 * Tries the plan's deployments in order until one produces its first event. Failover happens
 * here, before anything reaches the client: a retryable failure is retried on the same deployment
 * as `retries` allows (backing off, or waiting out a retry-after when nothing else is left to try
 * and the deadline allows), then moves on to the next deployment; a final or client failure ends
 * the request, except a context-length refusal, which moves on to the fallback models. Every
 * attempt is recorded in `attempts`.
 */
export async function openFirstAttempt(
  plan: readonly Deployment[],
  request: AttemptRequest,
  connectors: ConnectorPicker,
  attempts: Attempt[],
  policy: AttemptPolicy = NO_RETRIES,
): Promise<OpenedAttempt> {
  let lastError: GatewayError | undefined;
  const random = policy.random ?? Math.random;
  for (let index = 0; index < plan.length; index++) {
    const deployment = plan[index]!;
    const last = index === plan.length - 1;
    for (let retry = 0; ; retry++) {
      if (request.cancellation.cancelled) throw new GatewayError("request_cancelled", "The client closed the connection.");
      if (request.deadline - Date.now() <= 0) {
        throw new AttemptsExhausted(
          lastError ?? new GatewayError("upstream_timeout", "The request's time budget ran out before a deployment answered."),
        );
      }
      const afterMs = retry === 0 && !last && !policy.check ? policy.hedge?.afterMs(deployment.id) : undefined;
      const hedged = afterMs ? await tryHedged(deployment, plan[index + 1]!, afterMs, request, connectors, attempts, policy) : undefined;
      const result = hedged?.result ?? (await tryDeployment(deployment, request, connectors, attempts, policy, !last));
      if (result.kind === "opened") return result.opened;
      if (hedged?.both) {
        // Both deployments were tried: go on after the second.
        lastError = result.kind === "failed" ? result.error : lastError;
        index += 1;
        break;
      }
      lastError = result.error;
      if (result.escalate) break;
      if (!result.retryable) {
        const fallbackAt = Math.max(policy.ownAttempts, index + 1);
        if (isContextLengthError(result.error) && index < policy.ownAttempts && fallbackAt < plan.length) {
          policy.notes?.push(`context too long for ${deployment.id}: fallbacks`);
          index = fallbackAt - 1;
          break;
        }
        throw new AttemptsExhausted(result.error);
      }
      if (retry >= policy.retries.attempts) break;
      // A pause the upstream asked for is waited out only when there is nowhere else to go.
      if (result.retryAfterS > 0 && !last) break;
      const backoff = jittered(policy.retries, retry, random);
      const wait = Math.max(backoff, result.retryAfterS * 1_000);
      if (wait >= request.deadline - Date.now()) break;
      await sleep(wait, request.cancellation);
    }
  }
  throw new AttemptsExhausted(lastError ?? new GatewayError("no_deployment_available", "The model has no deployment to try."));
}

/**
 * Starts `first`; when it has sent no first event after `afterMs` and the hedge budget allows,
 * starts `second` as well. The first of the two to open wins and the other is cancelled, recorded
 * as `hedge_cancelled` (499) in its place in the attempts. Undefined `result` when `first`
 * answered (or failed) before the hedge was due: the caller carries on with it as usual.
 */
async function tryHedged(
  first: Deployment,
  second: Deployment,
  afterMs: number,
  request: AttemptRequest,
  connectors: ConnectorPicker,
  attempts: Attempt[],
  policy: AttemptPolicy,
): Promise<{ result: TryResult; both: boolean }> {
  const firstAt = attempts.length;
  const lanes = [first, second].map((deployment) => {
    const cancellation = new Cancellation();
    const off = request.cancellation.onCancel(() => cancellation.cancel());
    return {
      deployment,
      cancellation,
      off,
      started: 0,
      settled: false,
      result: undefined as TryResult | undefined,
      promise: undefined as Promise<TryResult> | undefined,
    };
  });
  const start = (lane: (typeof lanes)[number]) => {
    lane.started = performance.now();
    lane.promise = tryDeployment(lane.deployment, { ...request, cancellation: lane.cancellation }, connectors, attempts, policy, false);
    lane.promise.then(
      (result) => {
        lane.settled = true;
        lane.result = result;
      },
      () => {
        lane.settled = true;
      },
    );
    return lane.promise;
  };
  const [a, b] = lanes as [(typeof lanes)[number], (typeof lanes)[number]];
  const cleanup = () => lanes.forEach((lane) => lane.off());
  let timer: NodeJS.Timeout | undefined;
  const due = new Promise<"due">((resolve) => (timer = setTimeout(() => resolve("due"), afterMs)));
  const firstTry = start(a);
  const early = await Promise.race([firstTry, due]);
  clearTimeout(timer);
  if (early !== "due" || !policy.hedge!.take()) {
    cleanup();
    return { result: early !== "due" ? early : await firstTry, both: false };
  }
  policy.notes?.push(`hedged ${second.id} after ${afterMs}ms`);
  start(b);
  const winner = await new Promise<(typeof lanes)[number] | undefined>((resolve) => {
    let pending = 2;
    for (const lane of lanes) {
      lane.promise!.then(
        (result) => {
          if (result.kind === "opened") resolve(lane);
          else if (--pending === 0) resolve(undefined);
        },
        () => {
          if (--pending === 0) resolve(undefined);
        },
      );
    }
  });
  cleanup();
  if (!winner) {
    if (request.cancellation.cancelled) throw new GatewayError("request_cancelled", "The client closed the connection.");
    return {
      result: b.result ??
        a.result ?? {
          kind: "failed",
          error: new GatewayError("upstream_error", "Both hedged attempts failed."),
          retryable: true,
          retryAfterS: 0,
        },
      both: true,
    };
  }
  const loser = winner === a ? b : a;
  if (!loser.settled) {
    loser.cancellation.cancel();
    // An answer that opened just as it lost is closed at once.
    void loser.promise!.then((late) => {
      if (late.kind === "opened") {
        late.opened.cancel();
        late.opened.done();
      }
    }, noop);
    const cancelled = create(AttemptSchema, {
      deploymentId: loser.deployment.id,
      provider: loser.deployment.provider,
      status: 499,
      latencyMs: performance.now() - loser.started,
      errorCode: "hedge_cancelled",
    });
    if (loser === a) attempts.splice(firstAt, 0, cancelled);
    else attempts.push(cancelled);
  }
  return { result: winner.result!, both: true };
}

/** Exponential backoff with equal jitter: half the step fixed, half drawn, capped at max. */
export function jittered(retries: AttemptPolicy["retries"], retry: number, random: () => number): number {
  const step = Math.min(retries.maxBackoffMs, retries.backoffMs * 2 ** retry);
  return step / 2 + (random() * step) / 2;
}

function sleep(ms: number, cancellation: Cancellable): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const off = cancellation.onCancel(done);
    function done() {
      clearTimeout(timer);
      off();
      resolve();
    }
  });
}

/** An upstream refusing the prompt as too long for its context window. */
function isContextLengthError(error: GatewayError): boolean {
  return (
    error.code === "upstream_rejected" &&
    /context[ _-]?(length|window)|maximum context|too many tokens|prompt is too long/i.test(error.message)
  );
}

/** One try on one deployment, retrying on a sibling connector replica when the process is gone. */
async function tryDeployment(
  deployment: Deployment,
  request: AttemptRequest,
  connectors: ConnectorPicker,
  attempts: Attempt[],
  policy: AttemptPolicy,
  checked: boolean,
): Promise<TryResult> {
  const started = performance.now();
  const record = (status: number, errorCode = "", retryAfterS = 0, limits?: UpstreamLimits) =>
    attempts.push(
      create(AttemptSchema, {
        deploymentId: deployment.id,
        provider: deployment.provider,
        status,
        latencyMs: performance.now() - started,
        errorCode,
        retryAfterS,
        ...(limits ? { limits } : {}),
      }),
    );
  const done = policy.track?.(deployment);
  const failed = (error: GatewayError, status: number, retryable: boolean, recorded = false, limits?: UpstreamLimits): TryResult => {
    done?.();
    if (!recorded) {
      record(status, error.code, error.retryAfterS, limits);
      policy.onAttempt?.(deployment, retryable ? "failed" : "other", error.retryAfterS);
    }
    return { kind: "failed", error, retryable, retryAfterS: error.retryAfterS };
  };

  // A replica that cannot be reached or dies before its first event is retried on a sibling
  // replica of the same provider: the deployment is fine, only that process is gone.
  const tried = new Set<string>();
  let opened: { call: AsyncIterator<GenerateResponse>; first: IteratorResult<GenerateResponse> } | undefined;
  let transportError: GatewayError | undefined;
  for (;;) {
    const replica = connectors.pick(deployment.provider, tried);
    if (!replica) break;
    tried.add(replica.id);
    const left = request.deadline - Date.now();
    const timeoutMs = Math.min(left, deployment.timeoutMs || left);
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
    try {
      opened = { call: iterator, first: await iterator.next() };
      break;
    } catch (error) {
      void iterator.return?.();
      if (request.cancellation.cancelled) {
        done?.();
        throw new GatewayError("request_cancelled", "The client closed the connection.");
      }
      transportError = fromTransportError(error, deployment);
      record(0, transportError.code);
      // A deadline is the deployment's, not the replica's: no sibling retry.
      if (transportError.code === "upstream_timeout" || request.deadline - Date.now() <= 0) break;
    }
  }
  if (!opened) {
    if (transportError) {
      // One failure for the deployment, however many of its connector replicas were tried.
      policy.onAttempt?.(deployment, "failed", 0);
      return failed(transportError, 0, true, true);
    }
    record(0, "no_connector");
    policy.onAttempt?.(deployment, "failed", 0);
    return failed(
      new GatewayError("no_deployment_available", `No connector for provider "${deployment.provider}" is running.`),
      0,
      true,
      true,
    );
  }
  const iterator = opened.call;
  const first = opened.first;
  const cancel = () => void iterator.return?.();

  if (first.done) {
    cancel();
    return failed(new GatewayError("upstream_error", `Deployment ${deployment.id} ended without an answer.`), 502, true);
  }
  if (first.value.event.case === "failure") {
    cancel();
    const failure = first.value.event.value;
    return failed(
      GatewayError.fromFailure(failure),
      failure.upstreamStatus || specOf(failure.code).status,
      failure.class === ErrorClass.RETRYABLE,
      false,
      first.value.limits,
    );
  }

  if (policy.check && checked) {
    // Read the whole answer before anything reaches the client, so a failed check can escalate.
    const events: GenerateResponse[] = [first.value];
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (next.value.event.case === "failure") {
          const failure = next.value.event.value;
          return failed(GatewayError.fromFailure(failure), failure.upstreamStatus || specOf(failure.code).status, true);
        }
        events.push(next.value);
      }
    } catch (error) {
      if (request.cancellation.cancelled) {
        done?.();
        throw new GatewayError("request_cancelled", "The client closed the connection.");
      }
      return failed(fromTransportError(error, deployment), 0, true);
    }
    const check = policy.check(events);
    if (check) {
      done?.();
      record(200, `cascade_${check}`);
      policy.onAttempt?.(deployment, "ok", 0);
      policy.notes?.push(`escalated past ${deployment.id} (${check})`);
      return {
        kind: "failed",
        error: new GatewayError("upstream_error", `Deployment ${deployment.id}'s answer failed the ${check} check.`),
        retryable: true,
        retryAfterS: 0,
        escalate: true,
      };
    }
    record(200);
    policy.onAttempt?.(deployment, "ok", 0);
    const buffered = events.slice(1)[Symbol.iterator]();
    const rest: AsyncIterator<GenerateResponse> = {
      next: async () => buffered.next(),
      return: async () => ({ done: true, value: undefined }),
    };
    return { kind: "opened", opened: { deployment, first: events[0]!, rest, cancel: () => {}, started, done: done ?? noop } };
  }

  record(200);
  policy.onAttempt?.(deployment, "ok", 0);
  return { kind: "opened", opened: { deployment, first: first.value, rest: iterator, cancel, started, done: done ?? noop } };
}

const noop = () => {};

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
